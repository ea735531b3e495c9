"""The business of Frontdesk: models, services, pure policies and ports.

Nothing in this package imports the GraphQL layer, the task queue, the web
framework or an adapter; collaborators arrive as arguments (see ``ports``).
"""
