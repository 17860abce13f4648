"""Thin receivers of accounts' hooks; the work is in cameos.services."""

from accounts.signals import connect_person_data
from cameos import services

connect_person_data("cameos", erase=services.user_cameo_erase, export=services.user_cameo_export)
