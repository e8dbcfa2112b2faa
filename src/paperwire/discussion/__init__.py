"""The discussion under each paper: threaded comments, their history, votes and reports,
and the moderation that keeps them readable."""
