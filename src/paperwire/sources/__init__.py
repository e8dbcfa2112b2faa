"""Sources of paper records: files, the arXiv API, OAI-PMH, Hugging Face daily papers."""
