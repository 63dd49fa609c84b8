"""Importers from the sector's own formats (SSDA903 returns, Ofsted provider lists) into the contract.

An importer never writes a date of birth, a UPN or a full postcode: ages replace dates of birth and
postcode districts (outward codes) replace postcodes before anything leaves it. Every row it cannot
use is reported with its file, row, column, value and reason — never silently dropped.
"""
