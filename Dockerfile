# Permanence API: slim Python, non-root, configuration by environment only.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    PERMANENCE_ENV=production PERMANENCE_VAR_DIR=/var/lib/permanence
WORKDIR /srv/permanence

RUN useradd --system --create-home --home-dir /var/lib/permanence permanence
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY triage_rules ./triage_rules
COPY calendars ./calendars
RUN pip install -e . && chown -R permanence /var/lib/permanence

USER permanence
EXPOSE 8000
# PERMANENCE_DATABASE_URL, PERMANENCE_SECRET_KEY and PERMANENCE_MASTER_KEY(_FILE) must be provided.
CMD ["sh", "-c", "permanence migrate && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --proxy-headers"]
