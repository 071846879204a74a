"""Fieldwork by e-mail: participant lists, invitations, reminders, opt-out and response rates.

The personal link of a participant is never stored. It is rebuilt when a mail is sent from the
participant's random ``link_nonce`` and ``MAIL_LINK_KEY``, a key in the app's configuration
(``links.py``); the database keeps only the SHA-256 of the token, as for every invitation.
"""
