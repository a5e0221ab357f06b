"""Is an access token revoked? Its session row in the database says so, in the query that loads its user.

Access tokens cannot be recalled, so something must refuse a revoked one
until it expires. That something is the ``UserSession`` row the token's ``sid``
names: revoking (logout, "revoke this session", revoke-all, password change,
disabling a user) sets ``revoked_at`` in the same transaction as its audit
event, and every authenticated request loads its user *through* that row:

    SELECT ... FROM accounts_usersession JOIN accounts_user ...
     WHERE usersession.id = <sid> AND user_id = <user_id> AND kind = 'api' AND revoked_at IS NULL

One primary-key query, the one simplejwt would spend on the user anyway, so
the hot path costs no more than before and no Redis round trip at all.

Why not a denylist in Redis (what this module was): a revocation that must
also write Redis either fails while Redis is down (a 500 that revokes nothing,
when the write sits inside the transaction) or, guarded, leaves the token
working as soon as Redis is back without the entry. The database row is the
truth; there is nothing to keep in step with it.
"""

from __future__ import annotations

from typing import Any

from accounts.models import UserSession


def token_session(*, user_pk: Any, session_id: Any) -> UserSession | None:
    """The live API session a token names, with its user loaded; None when revoked, missing or not theirs."""
    if session_id is None:
        return None
    return (UserSession.objects.select_related("user").order_by()
            .filter(pk=session_id, user_id=user_pk, kind=UserSession.Kind.API, revoked_at__isnull=True)
            .first())
