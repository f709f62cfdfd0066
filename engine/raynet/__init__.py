"""The Raynet side: API client (``client``), typed entity views (``entities``),
quota budget (``quota``), errors (``errors``) and exact-money JSON (``json_codec``)."""
