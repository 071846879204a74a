"""Trials (forsøg): their definition as data, results per wave, ledelsestilsyn, the report."""
