"""The pipeline's pages, by area: board, record panel, queues and definitions, settings."""
