"""Thin receivers of accounts' hooks; the work is in feed.services."""

from accounts.signals import connect_person_data
from feed import services

connect_person_data("feed", erase=services.user_feed_erase, export=services.user_feed_export)
