"""Ingest: a source (file, URL, stdin, HTML, text dump) becomes an Article."""
