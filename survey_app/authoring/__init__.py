"""Questionnaire authoring for admins and evaluators: the list of versions, a preview that
stores nothing, and upload-check-preview-publish of XLSForm or YAML files."""
