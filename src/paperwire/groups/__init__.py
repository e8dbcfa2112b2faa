"""Groups (lab mode): members invited by e-mail, shared collections, what the group saved and
upvoted this week, and a reading-group queue. A group's content is for its members only."""
