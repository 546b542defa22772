"""The demo telesecretariat: four practices, their sheets, practitioners and motifs, staff, one API key."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, select

from app.auth import service as auth
from app.auth.actor import Actor
from app.auth.permissions import ROLE_PERMISSIONS
from app.calendars import demo as demo_calendars
from app.patients import demo as demo_patients
from app.practices import service as practices
from app.practices.models import Practice
from app.practices.schemas import (
    InstructionSheetIn,
    MotifIn,
    PracticeCreate,
    PractitionerIn,
)
from app.scheduling import demo as demo_scheduling

DEMO_PASSWORD = "demo-permanence-2026"  # noqa: S105 - published demo credentials, development only

PRACTICES: list[dict[str, Any]] = [
    {
        "practice": {
            "name": "Cabinet médical des Batignolles",
            "specialties": ["generaliste"],
            "timezone": "Europe/Paris",
            "address": "12 rue des Dames, 75017 Paris",
            "called_numbers": [{"number": "+33142930101", "label": "ligne principale"}],
        },
        "sheet": {
            "greeting": "Cabinet médical des Batignolles, bonjour, je vous écoute.",
            "urgent_calls": "Urgence vitale : faire appeler le 15. Urgence du jour : message urgent au "
            "médecin de garde du cabinet et créneau réservé de fin de matinée.",
            "transfer_contacts": [
                {
                    "name": "Dr Claire Martin (garde)",
                    "phone": "+33611223344",
                    "when": "urgences de 8 h à 19 h en semaine",
                }
            ],
            "coverage_hours": "Lundi–vendredi 8 h–19 h, samedi 9 h–12 h",
            "instructions": "Pas de renouvellement d'arrêt de travail sans consultation. Visites à "
            "domicile réservées aux patients connus de plus de 75 ans.",
            "escalation_minutes": 15,
        },
        "practitioners": [
            ("Dr Claire Martin", "generaliste"),
            ("Dr Youssef Benali", "generaliste"),
            ("Dr Hélène Rousseau", "generaliste"),
        ],
        "motifs": [
            ("consultation", "Consultation", 20),
            ("consultation_urgente", "Consultation urgente (jour)", 15),
            ("renouvellement_ordonnance", "Renouvellement d'ordonnance", 15),
            ("certificat", "Certificat médical", 15),
            ("resultats_examens", "Résultats d'examens", 15),
            ("vaccination", "Vaccination", 15),
            ("visite_domicile", "Visite à domicile", 45),
        ],
    },
    {
        "practice": {
            "name": "Cabinet dentaire Bellecour",
            "specialties": ["dentiste"],
            "timezone": "Europe/Paris",
            "address": "5 place Bellecour, 69002 Lyon",
            "called_numbers": [{"number": "+33478420202", "label": "accueil"}],
        },
        "sheet": {
            "greeting": "Cabinet dentaire Bellecour, bonjour.",
            "urgent_calls": "Gonflement avec difficulté à avaler ou à respirer : 15. Douleur ou traumatisme "
            "dentaire : créneau d'urgence du jour (11 h 30 et 17 h 30).",
            "transfer_contacts": [
                {
                    "name": "Dr Paul Girard",
                    "phone": "+33622334455",
                    "when": "dent définitive expulsée (dans l'heure)",
                }
            ],
            "coverage_hours": "Lundi–vendredi 8 h 30–18 h 30",
            "instructions": "Nouveaux patients : première consultation de contrôle de 30 minutes.",
            "escalation_minutes": 30,
        },
        "practitioners": [("Dr Paul Girard", "dentiste"), ("Dr Inès Lambert", "dentiste")],
        "motifs": [
            ("urgence_dentaire", "Urgence dentaire", 30),
            ("controle_dentaire", "Contrôle", 30),
            ("soin_dentaire", "Soin", 45),
            ("detartrage", "Détartrage", 30),
            ("extraction", "Extraction", 45),
        ],
    },
    {
        "practice": {
            "name": "Kiné Océan Saint-Denis",
            "specialties": ["kine"],
            "timezone": "Indian/Reunion",
            "phone_region": "RE",
            "address": "40 rue de Paris, 97400 Saint-Denis, La Réunion",
            "called_numbers": [{"number": "+262262210303", "label": "standard"}],
        },
        "sheet": {
            "greeting": "Kiné Océan, bonjour.",
            "urgent_calls": "Perte de contrôle des urines ou des selles, faiblesse des deux jambes : 15. "
            "Mollet gonflé et douloureux après une opération : message urgent.",
            "transfer_contacts": [],
            "coverage_hours": "Lundi–samedi 7 h–19 h (heure de La Réunion)",
            "instructions": "Une prescription médicale est nécessaire pour le premier rendez-vous.",
            "escalation_minutes": 60,
        },
        "practitioners": [("Mathieu Hoarau", "kine"), ("Sandrine Payet", "kine")],
        "motifs": [
            ("bilan_kine", "Bilan initial", 45),
            ("seance_kine", "Séance", 30),
            ("reeducation_post_op", "Rééducation post-opératoire", 45),
        ],
    },
    {
        "practice": {
            "name": "Camille Durand, psychologue",
            "specialties": ["psychologue"],
            "timezone": "Europe/Paris",
            "address": "8 cours de l'Intendance, 33000 Bordeaux",
            "called_numbers": [{"number": "+33556440404", "label": "secrétariat"}],
        },
        "sheet": {
            "greeting": "Cabinet de Camille Durand, psychologue, bonjour.",
            "urgent_calls": "Idées suicidaires avec projet ou moyen : 3114 ou 15 immédiatement, ne pas "
            "laisser la personne seule. Sinon message urgent à la psychologue.",
            "transfer_contacts": [],
            "coverage_hours": "Lundi–vendredi 9 h–20 h",
            "instructions": "Première consultation de 50 minutes ; Mon soutien psy accepté sur adressage.",
            "escalation_minutes": 30,
        },
        "practitioners": [("Camille Durand", "psychologue")],
        "motifs": [("premiere_consultation_psy", "Première consultation", 50), ("suivi_psy", "Suivi", 45)],
    },
]

STAFF = [
    ("admin@permanence.test", "Alice Admin", "admin"),
    ("superviseur@permanence.test", "Sophie Superviseure", "supervisor"),
    ("agent1@permanence.test", "Karim Agent", "agent"),
    ("agent2@permanence.test", "Julie Agent", "agent"),
]


def seed(session: Session) -> str:
    """Create the demo data once; returns what a newcomer needs to log in."""
    if session.scalars(select(Practice.id).where(Practice.name == PRACTICES[0]["practice"]["name"])).first():
        return "demo already seeded (log in as agent1@permanence.test / " + DEMO_PASSWORD + ")"
    actor = _system_admin()
    ids = []
    practitioners = []
    for spec in PRACTICES:
        practice = practices.create_practice(session, actor, PracticeCreate(**spec["practice"]))
        ids.append(practice.id)
        practices.publish_sheet(session, actor, practice.id, InstructionSheetIn(**spec["sheet"]))
        for name, specialty in spec["practitioners"]:
            practitioners.append(
                practices.add_practitioner(
                    session, practice.id, PractitionerIn(display_name=name, specialty=specialty)
                )
            )
        for code, label, minutes in spec["motifs"]:
            urgent = code.startswith(("urgence", "consultation_urgente"))
            practices.add_motif(
                session,
                actor,
                practice.id,
                MotifIn(
                    code=code,
                    label=label,
                    duration_minutes=minutes,
                    min_notice_minutes=0 if urgent else 60,
                    horizon_days=2 if urgent else 90,
                    reserved_levels=["urgent"],
                ),
            )
    for email, name, role in STAFF:
        auth.create_user(
            session,
            email=email,
            display_name=name,
            role=role,
            password=DEMO_PASSWORD,
            practice_ids=[] if role == "admin" else ids,
        )
    demo_patients.seed(session, actor, ids)
    demo_scheduling.seed(session, actor, ids)
    agendas = demo_calendars.load_demo_agendas(session, practitioners)
    _, key = auth.create_api_key(
        session,
        client="Démo téléphonie",
        scopes=["practices:read", "calls:read", "calls:write", "scheduling:read"],
        practice_ids=ids,
    )
    lines = [f"seeded {len(ids)} practices and {len(STAFF)} staff accounts (password: {DEMO_PASSWORD})"]
    lines += [f"  {role:<11} {email}" for email, _, role in STAFF]
    lines.append(f"{len(agendas)} practitioners' agendas loaded from calendars/*.ics")
    lines.append(f"integrator API key (shown once): {key}")
    return "\n".join(lines)


def _system_admin() -> Actor:
    """The seeding runs as a system actor with admin rights over every practice."""
    return Actor(
        kind="system",
        id=uuid.UUID(int=0),
        role="admin",
        permissions=ROLE_PERMISSIONS["admin"],
        practice_ids=None,
    )
