"""Calendars: iCalendar read/write, CalDAV and iCal-URL clients, sync of remote agendas into busy time."""
