"""Shared parts of Linli: organisation tree, users and roles, permissions, audit log, notifications."""
