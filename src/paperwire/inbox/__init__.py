"""A reader's notifications: replies to their comments, comments on papers they saved or
wrote; shown in an inbox and, unless turned off, mailed."""
