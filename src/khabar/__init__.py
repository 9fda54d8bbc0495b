"""khabar: conflict and security news -> a trustworthy, source-attributed knowledge base."""

__version__ = "0.1.0"
