"""demo-app: a document pipeline and worker pool built on asyncio."""

__version__ = "0.1.0"
