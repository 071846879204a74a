"""WSGI entry point: ``gunicorn wsgi:app``. Configuration comes from SURVEY_APP_* variables."""

from survey_app import create_app, warm_up

app = create_app()
warm_up(app)
