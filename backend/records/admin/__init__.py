"""The clerks' workspace: meetings with their agenda and documents, and the records behind them.

Saves go through the records actions, so the audit log, the publication history and the side
effects (search index, text extraction) are the same as through the API. A clerk sees and edits
only the bodies assigned to them; administrators see every body.
"""

from backend.records.admin import meetings, minutes, reference, votes

__all__ = ["meetings", "minutes", "reference", "votes"]
