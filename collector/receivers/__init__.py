"""Receivers: each decodes one wire format and normalizes it into a Batch; none touches the database."""
