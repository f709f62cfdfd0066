"""Simulators of the outside systems (part of the product): POHODA mServer and the Raynet API.

Each runs as a loopback HTTP server in a background thread; tests, the demo and
consultants talk to them with the production client code.
"""
