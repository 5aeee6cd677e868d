"""Reading pages as a user does: the text without tags, the message beside a field."""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["erreur_du_champ", "lu"]


def lu(reponse: Any) -> str:
    """The page's text as read: tags dropped, entities decoded, blanks collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reponse.text)).split())


def erreur_du_champ(reponse: Any, champ: str) -> str:
    """The error shown beside the input ``champ`` (GOV.UK pattern: it names the field)."""
    trouve = re.search(
        rf'<p class="message-erreur" id="{re.escape(champ)}-erreur">'
        r'<span class="invisible">Erreur : </span>(.*?)</p>',
        reponse.text,
    )
    assert trouve is not None, f"no error beside {champ}"
    return html.unescape(trouve.group(1))
