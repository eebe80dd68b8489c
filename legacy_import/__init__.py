"""Legacy import: registration and review of pre-2021 paper certificates (issue #4 onwards)."""
