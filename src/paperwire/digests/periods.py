"""The periods a digest covers are the catalogue's (``paperwire.catalogue.periods``)."""

from paperwire.catalogue.periods import Period, containing, last_complete

# A digest's period is a catalogue period; these names are kept for the scheduler's import.
DigestPeriod = Period
period_containing = containing

__all__ = ["DigestPeriod", "Period", "last_complete", "period_containing"]
