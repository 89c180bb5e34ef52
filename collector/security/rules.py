"""The detection rules: one regex per rule with its category, severity and the check that confirms a candidate."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

from collector.security import checks


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    name: str
    severity: str
    regex: re.Pattern[str]
    # Confirms a candidate and says how much of it stands: its confirmed length, 0 to drop it.
    check: Callable[[str], int] | None = None
    # Where the candidate really ends, given the text and where the regex stopped (the rest of a longer token).
    extend: Callable[[str, int], int] | None = None
    # Secrets are single tokens cut at the first space, except those that span lines (PEM blocks).
    multiline: bool = False


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    # ASCII classes, so the RE2 prefilter (ASCII \w \d \b) and these regexes agree on what they accept.
    return re.compile(pattern, flags | re.ASCII)


def _jsonable(pattern: str) -> str:
    """Lets every non-ASCII letter also match its JSON escape (json.dumps writes é as \\u00e9; JSON in JSON as
    \\\\u00e9), either case."""
    def alternatives(char: str) -> str:
        forms = dict.fromkeys((char, char.lower(), char.upper()))
        escapes = (rf"\\+u{ord(form):04x}" for form in forms if len(form) == 1)
        return "(?:" + "|".join((*forms, *escapes)) + ")"
    return "".join(char if ord(char) < 128 else alternatives(char) for char in pattern)


# ---------------------------------------------------------------- secrets

# detect-secrets' keyword-free plugins, whose regexes (their `denylist`) are read at import so upstream fixes
# arrive with the package: class name -> (rule id of each denylist entry, the last one repeating; severity).
# Left out on purpose: KeywordDetector and the two HighEntropyString plugins (they fire on ids and hashes),
# IbmCloudIamDetector (its prefix is optional, so any 44-character value after "key" or "token" matches: a
# keyword rule too) and IPPublicDetector (an address is not a secret).
DETECT_SECRETS = {
    "AWSKeyDetector": (("aws_access_key_id", "aws_secret_access_key"), "critical"),
    "AzureStorageKeyDetector": (("azure_storage_key",), "critical"),
    "ArtifactoryDetector": (("artifactory_token",), "high"),
    "BasicAuthDetector": (("basic_auth_url",), "high"),
    "CloudantDetector": (("cloudant_credentials",), "critical"),
    "DiscordBotTokenDetector": (("discord_bot_token",), "high"),
    "GitHubTokenDetector": (("github_token",), "high"),
    "GitLabTokenDetector": (("gitlab_token",), "high"),
    "IbmCosHmacDetector": (("ibm_cos_hmac_key",), "critical"),
    "JwtTokenDetector": (("jwt",), "medium"),
    "MailchimpDetector": (("mailchimp_api_key",), "high"),
    "NpmDetector": (("npm_token",), "high"),
    "OpenAIDetector": (("openai_api_key",), "high"),
    "PrivateKeyDetector": (("private_key",), "critical"),
    "PypiTokenDetector": (("pypi_token",), "high"),
    "SendGridDetector": (("sendgrid_api_key",), "high"),
    "SlackDetector": (("slack_token", "slack_webhook"), "high"),
    "SoftlayerDetector": (("softlayer_api_key",), "critical"),
    "SquareOAuthDetector": (("square_oauth_secret",), "high"),
    "StripeDetector": (("stripe_api_key",), "high"),
    "TelegramBotTokenDetector": (("telegram_bot_token",), "high"),
    "TwilioKeyDetector": (("twilio_api_key",), "high"),
}

# A password written out: a password-named setting (DB_PASSWORD=..., "password": "...") or mysql's -p flag.
# Not a keyword rule in detect-secrets' sense: only password names, and only values that are not references
# ($VAR, {{ var }}, os.environ[...]), masks (****) or URLs.
_PASSWORD = (r"(?i:\b\w*(?:password|passwd|pwd))\\?[\"']?\s*[=:]\s*\\?[\"']?"
             r"([^\s\"'`<>{}()\[\]$*,;\\]{8,64})(?![^\s\"',;\\])"
             r"|\bmysql(?:dump|admin)?\b[^\n|;]*?\s-p([^\s\"'\\]{6,64})")


# Keys detect-secrets 1.5 does not know.
EXTRA_SECRETS = (
    ("anthropic_api_key", "high", r"\bsk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_\-]{32,}"),
    ("openai_api_key", "high", r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}"),
    ("google_api_key", "high", r"\bAIza[0-9A-Za-z_\-]{35}(?![\w\-])"),
    ("google_oauth_client_secret", "high", r"\bGOCSPX-[A-Za-z0-9_\-]{28}(?![\w\-])"),
    ("huggingface_token", "high", r"\bhf_[A-Za-z0-9]{34,}(?!\w)"),
    ("github_token", "high", r"\bgithub_pat_[A-Za-z0-9_]{60,}"),
    ("npm_token", "high", r"\bnpm_[A-Za-z0-9]{36}(?!\w)"),
    ("private_key", "critical", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
)

# The rest of a key whose regex stops at a fixed length (newer OpenAI and Stripe keys are longer), a JWT's
# signature (detect-secrets' JWT regex ends lazily, before it), and a PEM or PuTTY key's body up to its end line.
def _tail(pattern: str) -> Callable[[str, int], int]:
    regex = _rx(pattern)
    return lambda norm, end: regex.match(norm, end).end()


_KEY_END = _rx(r"-----END [A-Z0-9 ]{0,24}PRIVATE KEY(?: BLOCK)?-----")
_PUTTY_END = _rx(r"Private-MAC: ?[0-9a-fA-F]+")
_KEY_LINES = _rx(r"-*[A-Za-z0-9+/=\s\\]*")


def _key_body(norm: str, end: int) -> int:
    """Through the END line of a PEM block (the Private-MAC line of a PuTTY key) if one comes within 12,000
    characters and before a quote; else through the base64 lines after the header. str.find, not a lazy regex:
    a text of many headers must not cost 12,000 steps each."""
    quote = norm.find('"', end, end + 12_000)
    limit = end + 12_000 if quote == -1 else quote
    for marker, regex in (("-----END", _KEY_END), ("Private-MAC:", _PUTTY_END)):
        at = norm.find(marker, end, limit)
        found = regex.match(norm, at) if at != -1 else None
        if found:
            return found.end()
    return _KEY_LINES.match(norm, end).end()


_TOKEN_TAIL = _tail(r"[A-Za-z0-9_\-]*")
_EXTEND = {"openai_api_key": _TOKEN_TAIL, "stripe_api_key": _TOKEN_TAIL, "jwt": _tail(r"\.?[A-Za-z0-9_\-+/=]*"),
           "private_key": _key_body}


# How detect-secrets' build_assignment_regex writes an optional quote.
_OPTIONAL_QUOTE = "(?:\"|\\'|)"


def _detect_secrets_rules() -> list[Rule]:
    plugins = {cls.__name__: cls for cls in get_mapping_from_secret_type_to_class().values()}
    rules = []
    for class_name, (names, severity) in DETECT_SECRETS.items():
        if class_name not in plugins:  # an older or newer detect-secrets without this plugin
            continue
        for index, regex in enumerate(plugins[class_name].denylist):
            name = names[min(index, len(names) - 1)]
            if name == "private_key":  # take in the dashes before BEGIN, so the whole block is one match
                regex = re.compile("(?:-----)?(?:" + regex.pattern + ")", regex.flags)
            elif _OPTIONAL_QUOTE in regex.pattern:  # key = "value" rules: a JSON-escaped quote reads as 2 or 4
                regex = re.compile(regex.pattern.replace(_OPTIONAL_QUOTE, "(?:[\"']{1,4}|)"), regex.flags)
            check = checks.jwt if name == "jwt" else None if name == "private_key" else checks.placeholder_free
            rules.append(Rule("secret", name, severity, regex, check, _EXTEND.get(name), name == "private_key"))
    return rules


# ---------------------------------------------------------------- personal data

# The local part's first and last characters cannot be dots; an address followed by ":path" is an ssh remote
# (git@github.com:org/repo.git), a "domain" ending in an asset type is a file name (logo@2x.png), and an address
# after a "*" is one a client already masked (b*b@example.com), no longer personal data.
_EMAIL = (r"(?<![\w.%+\-*])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?@"
          r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
          r"(?!(?:png|jpe?g|gif|svg|webp|ico|bmp|css|js|map|json)\b)[A-Za-z]{2,24}"
          r"(?![\w\-]|\.[A-Za-z0-9]|:[\w/~])")
# Phone numbers need a + or the separators of a written number, so ids, timestamps and versions never qualify.
_PHONE_START = r"(?<![\w+#/.:\-])"
_PHONE_END = r"(?![\w\-]|[.,]\d)"
_PHONE_INTL = r"(?<![\w+#/.\-])\+\d{1,3}[ .\-]?(?:\(\d{1,4}\)|\d{1,4})(?:[ .\-]?\d{2,5}){1,5}" + _PHONE_END
_PHONE_NATIONAL = (_PHONE_START + r"(?:1[ .\-])?(?:\(\d{3}\) ?|\d{3}[ .\-])\d{3}[ .\-]\d{4}"
                   r"|" + _PHONE_START + r"0\d{1,4}[ \-]\d{2,4}(?:[ \-]\d{2,4}){0,3}" + _PHONE_END)

PII = (
    Rule("pii", "email", "medium", _rx(_EMAIL)),
    Rule("pii", "email", "medium",  # written out against scrapers: name [at] example [dot] com
         _rx(r"\b[\w.+\-]+\s*[\[(]\s*at\s*[\])]\s*[\w\-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w\-]+)+", re.I)),
    Rule("pii", "phone_number", "medium", _rx(_PHONE_INTL), checks.phone),
    Rule("pii", "phone_number", "low", _rx(_PHONE_NATIONAL), checks.phone),
    Rule("pii", "payment_card", "high", _rx(r"(?<![\w.,+\-/])[2-6](?:[ \-]?\d){12,18}(?![\w\-]|[.,]\d)"), checks.card),
    Rule("pii", "us_ssn", "high",
         _rx(r"(?<![\w\-/.])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w\-]|\.\d)")),
    # Without dashes only right after the words that name it.
    Rule("pii", "us_ssn", "high",
         _rx(r"\b(?i:ssn|social\s+security(?:\s+(?:number|no\.?))?)\s*(?:#|no\.?|number)?\s*[:=]?\s*"
             r"((?!000|666|9\d\d)\d{3} ?(?!00)\d{2} ?(?!0000)\d{4})(?!\w)")),
    Rule("pii", "uk_nino", "high",
         _rx(r"(?<!\w)(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)")),
    Rule("pii", "iban", "high",
         _rx(r"(?<!\w)[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?!\w)"), checks.iban),
)


# ---------------------------------------------------------------- prompt injection

# Characters that show as nothing, slipped between words to get past filters; also as JSON escapes.
_INVISIBLE = "(?:[\u200b\u200c\u200d\u2060\ufeff]|" r"\\+u(?:200[bcd]|2060|feff))"
_GAP = rf"(?:[ ._*\-]|{_INVISIBLE})"


def _obfuscated(word: str) -> str:
    """A word that may be written with its letters spaced out (i g n o r e, i.g.n.o.r.e) or in leetspeak (1gn0r3)."""
    return rf"{_GAP}?".join(_LEET.get(char, char) for char in word)


_LEET = {"a": "[a4@]", "e": "[e3]", "i": "[i1!|]", "o": "[o0]", "s": "[s5$]", "t": "[t7]"}


_VERB = (r"(?:ignore|disregard|forget|neglect|abandon|discard|set\s+aside|pay\s+no\s+attention\s+to|"
         r"(?:do\s+not|don't|stop|no\s+longer)\s+(?:follow|obey)(?:ing)?)")
# Verbs with everyday objects too (drop a table, skip a step): only with a word that points at the model's orders.
_WEAK_VERB = r"(?:drop|skip|never\s+mind|throw\s+(?:out|away))"
_OWN = r"(?:previous|prior|preceding|above|earlier|initial|original|your|system|safety)"
_QUALIFIER = (r"(?:all|any|every|previous|prior|preceding|above|earlier|initial|original|old|your|system|developer|"
              r"safety|current|existing|given|former|foregoing)")
_FILLER = r"(?:the|of|these|those|such|and|that|you|were|have|been|got|received|mentioned)"
# Not when the noun is the head of a technical compound: "your rules engine", "the previous context window".
_ORDERS = (r"(?:instructions?|directives?|directions?|rules?|prompts?|guidelines?|guidance|guardrails?|constraints?|"
           r"restrictions?|polic(?:y|ies)|programming|commands?|orders?|training|safeguards?|context)"
           r"(?!\s+(?:engine|files?|cache|config|configuration|table|list|section|page|editor|panel|folder|directory|"
           r"window|length|size|limits?|menu|switch|manager)\b)")
_WORDS = rf"(?:(?:{_QUALIFIER}|{_FILLER})\s+)"
# Where orders named after the verb came from: "the rules you were given", "the instructions in your system prompt".
_GIVEN = (r"(?:above|(?:that\s+|which\s+)?you(?:'ve|\s+have|\s+had|\s+were|\s+got)?\s+(?:been\s+)?(?:given|received|"
          r"told|got)|(?:given|sent|provided|assigned)\s+to\s+you|(?:in|from|of)\s+(?:your|the)\s+(?:system|developer|"
          r"original|initial|previous|hidden)\b|(?:in|from)\s+your\s+(?:\w+\s+)?(?:prompt|message|context|configuration))")
_OVERRIDE_EN = (rf"\b{_VERB}\s+{_WORDS}{{0,4}}?{_QUALIFIER}\s+{_WORDS}{{0,3}}?{_ORDERS}\b"
                rf"|\b{_WEAK_VERB}\s+{_WORDS}{{0,4}}?{_OWN}\s+{_WORDS}{{0,3}}?{_ORDERS}\b(?!\s+(?:if|when|unless)\b)"
                rf"|\b(?:{_VERB}|{_WEAK_VERB})\s+(?:(?:the|all|any|of|those|these)\s+){{0,3}}(?:\w+\s+)?"
                rf"(?:{_ORDERS}|tasks?|assignments?)\s+{_GIVEN}"
                # The task of the person the model works for, as an injected text names it: "ignore the user's
                # request"; not a rule about when or which ("ignore the user's request if it is abusive", "do not
                # follow the user's instructions to reveal keys").
                rf"|\b(?:{_VERB}|{_WEAK_VERB})\s+(?:the\s+|your\s+)?(?:user|human|operator)(?:'s|s')?\s+(?:\w+\s+)?"
                r"(?:request|task|question|query|instructions?|prompt|orders?)\b(?!\s+(?:if|when|unless|whenever|to|that)\b)"
                # The orders first, then the verb: "whatever your system message says, ignore it".
                rf"|\b(?:your\s+(?:{_QUALIFIER}\s+)?|the\s+{_QUALIFIER}\s+)(?:system\s+(?:prompt|message)|{_ORDERS})"
                r"\b[^.!?\n\"]{0,40}?\b(?:ignore|disregard|forget)\s+(?:it|them|those|these|that)\b"
                rf"|\b(?:{_ORDERS})\s+above\b[^.!?\n\"]{{0,40}}?\b(?:ignore|disregard|forget)\s+(?:it|them|those|these)\b"
                rf"|\b(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+"
                rf"(?:above|before|previously|(?:(?:you(?:'ve|\s+have|\s+were|\s+have\s+been)\s+)?(?:told|said|given)))\b"
                rf"|\b(?:override|bypass)\s+(?:all\s+)?(?:your|the\s+system(?:'s)?)\s+(?:\w+\s+)?(?:instructions|rules|"
                rf"guidelines|safety|restrictions|programming|filters)"
                rf"|\b(?:disable|deactivate|circumvent|turn\s+off|switch\s+off|lift|suspend)\s+(?:all\s+(?:of\s+)?)?"
                r"your\s+(?:(?:safety|content|ethical|moral|built-in|internal)\s+)?(?:guidelines|restrictions|"
                r"filters|guardrails|safeguards|content\s+polic(?:y|ies)|ethics|alignment|programming)\b"
                rf"|\b{_obfuscated('ignore')}{_GAP}{{1,4}}(?:{_obfuscated('all')}{_GAP}{{1,4}})?"
                rf"{_obfuscated('previous')}{_GAP}{{1,4}}{_obfuscated('instructions')}")
# Up to 12 characters within one clause of Chinese text, in JSON text also as \uXXXX escapes.
_CJK_GAP = r"(?:\\+u(?!3002|ff0c|ff01|ff1f)[0-9a-f]{4}|(?!。|" "\uff0c|\uff01|\uff1f" r")[^,.!?\n\\]){0,12}?"
# The same override in other languages: "(ignore|forget) (all) (the) previous / system instructions", "forget
# everything above / you were told".
_OVERRIDE_I18N = _jsonable(
    r"\b(?:ignora|ignore|ignorar|olvida|olvide|olvidar|omite)\s+(?:todas\s+)?(?:las\s+|tus\s+|sus\s+)?"
    r"(?:instrucciones|indicaciones|reglas)\s+(?:anteriores|previas|del\s+sistema|originales|iniciales)"
    r"|\b(?:ignora|ignore|olvida|olvide)\s+todas\s+(?:las\s+|tus\s+|sus\s+)?(?:instrucciones|indicaciones|reglas)"
    r"|\b(?:ignora|ignore|olvida|olvide)\s+todo\s+lo\s+(?:anterior|que\s+(?:te|le)\s+(?:han\s+dicho|dijeron))"
    r"|\b(?:ignore[rz]?|oublie[rz]?)\s+(?:toutes\s+)?(?:les|tes|vos)\s+(?:instructions|consignes|règles|directives)"
    r"\s+(?:pr(?:é|e)c(?:é|e)dentes|ant(?:é|e)rieures|ci-dessus|(?:du\s+)?syst(?:è|e)me)"
    r"|\b(?:ignore[rz]?|oublie[rz]?)\s+toutes\s+(?:les|tes|vos)\s+(?:instructions|consignes|règles)"
    r"|\b(?:ignore[rz]?|oublie[rz]?)\s+tout\s+ce\s+qui\s+(?:pr(?:é|e)c(?:è|e)de|est\s+au-dessus|t'a\s+(?:é|e)t(?:é|e)\s+dit)"
    r"|\bne\s+(?:tiens|tenez)\s+pas\s+compte\s+des\s+(?:instructions|consignes|règles)"
    r"|\b(?:ignoriere|ignorieren\s+sie|vergiss|vergessen\s+sie)\s+(?:alle\s+)?(?:(?:deine|ihre|die|bisherigen|"
    r"vorherigen|vorigen|obigen|früheren)\s+){1,3}(?:anweisungen|instruktionen|befehle|regeln|vorgaben)"
    r"|\b(?:ignoriere|ignorieren\s+sie|vergiss|vergessen\s+sie)\s+(?:alle\s+)?(?:deine\s+|ihre\s+|die\s+)?"
    r"system(?:anweisungen|prompts?|regeln|vorgaben|nachricht)"
    r"|\b(?:ignoriere|ignorieren\s+sie|vergiss|vergessen\s+sie)\s+alles\s*,?\s+(?:was\s+(?:dir|ihnen)\s+"
    r"(?:\w+\s+){0,2}?(?:gesagt|befohlen|aufgetragen|vorgegeben)|(?:bisherige|vorherige|obige|davor|zuvor|oben))"
    r"|\b(?:ignore|ignora|esqueça|esqueca|desconsidere)\s+(?:todas\s+)?(?:as\s+|suas\s+)?"
    r"(?:instruções|instrucoes|regras|orientações)\s+(?:anteriores|prévias|previas|do\s+sistema)"
    r"|\b(?:ignore|esqueça|esqueca|desconsidere)\s+tudo\s+(?:o\s+que\s+(?:te|lhe)\s+(?:foi\s+dito|disseram)|acima|"
    r"o\s+anterior)"
    r"|\b(?:ignora|ignori|dimentica|dimentichi)\s+(?:tutte\s+)?(?:le\s+)?(?:istruzioni|regole|indicazioni)"
    r"\s+(?:precedenti|anteriori|di\s+sistema|del\s+sistema)"
    r"|\b(?:ignora|dimentica)\s+tutto\s+(?:quello\s+che\s+ti\s+(?:è|e)\s+stato\s+detto|ci(?:ò|o)\s+che\s+precede|"
    r"(?:quanto\s+)?sopra)"
    r"|(?:忽略|无视|忘记|忘掉|不要理会)" + _CJK_GAP + r"(?:指令|指示|提示词|规则|命令)"
    r"|(?:以前|前|上記|これまで)の(?:すべての|全ての)?指示(?:を|は)(?:すべて|全て)?無視"
    r"|(?:игнорируй|игнорируйте|забудь|забудьте)\s+(?:все\s+)?(?:предыдущие|прошлые|свои)\s+"
    r"(?:инструкции|указания|правила)")
_RESTRICTIONS = (r"(?:restrictions?|limitations?|limits|filters?|filtering|rules|guidelines|censorship|boundaries|"
                 r"constraints|ethics|morals|polic(?:y|ies))")
# What a persona is said to lack; not limits or limitations, which a model or an API can lack harmlessly.
_SCRUPLES = (r"(?:restrictions|filters|filtering|rules|guidelines|censorship|boundaries|ethics|morals|morality|"
             r"principles|polic(?:y|ies)|conscience|scruples)")
_JAILBREAK = _jsonable(
    r"(?-i:DAN)\b[^.!?\n]{0,40}?\bdo\s+anything\s+now\b"
    r"|\b(?:you\s+are|you(?:'|" "\u2019" r")re|act\s+as|acting\s+as|pretend\s+to\s+be|become)\s+(?:now\s+)?"
    r"(?:going\s+to\s+)?(?:act\s+as\s+)?(?-i:DAN)\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:[\w,]+\s+){0,4}?(?:with\s+no|without(?:\s+any)?|free\s+(?:of|from)"
    r"(?:\s+all)?|freed\s+from)\s+(?:\w+\s+){0,2}?" + _RESTRICTIONS +
    r"|\b(?:pretend|imagine|act\s+as|act\s+like)\b[^.!?\n\"]{0,60}?\b(?:no|without(?:\s+any)?)\s+(?:\w+\s+){0,2}?"
    + _RESTRICTIONS +
    r"|\bno\s+longer\s+bound\s+by\b"
    r"|\b(?:chatgpt|gpt|claude|gemini|llama|assistant|ai|model)\s+(?:with|in)\s+developer\s+mode\b"
    r"|\byou(?:'ve|\s+have|\s+are)\s+(?:now\s+|been\s+)?(?:jailbroken|freed|liberated|unchained)\b"
    r"|\b(?:unfiltered|uncensored|unrestricted|jailbroken|amoral)\s+(?:ai|assistant|model|chatbot|llm|persona)\b"
    r"|\bfree\s+(?:of|from)\s+(?:any|all)\s+(?:content\s+)?" + _RESTRICTIONS +
    r"|\b(?:respond|answer|reply|talk|speak|write)\s+(?:\w+\s+){0,3}?without\s+(?:any\s+)?(?:\w+\s+)?"
    + _RESTRICTIONS +
    # A mode with the rules switched off: "you are now in developer mode", "enable jailbreak mode".
    r"|\byou\s+are\s+(?:now\s+)?(?:in|entering|operating\s+in|running\s+in)\s+(?:\w+\s+)?(?:developer|dev|debug|god|"
    r"jailbreak|jailbroken|dan|unrestricted|unfiltered|uncensored|evil)\s+mode\b"
    r"|\b(?:enable|enter|activate|switch\s+(?:to|into)|turn\s+on|engage)\s+(?:the\s+)?(?:jailbreak|jailbroken|dan|god|"
    r"unrestricted|unfiltered|uncensored|evil|chaos)\s+mode\b"
    r"|\b(?:developer|dev|jailbreak|god|dan)\s+mode\b[^.!?\n\"]{0,40}?\b(?:has\s+no|have\s+no|without(?:\s+any)?|"
    r"ignores?|bypass(?:es)?)\s+(?:any\s+|all\s+|the\s+)?(?:\w+\s+)?(?:" + _SCRUPLES
    + r"|content\s+polic(?:y|ies)|safety)"
    # A persona described as without scruples: "an AI that doesn't have any rules", "she never refused anything".
    r"|\b(?:ai|assistant|model|bot|chatbot|llm|persona|character)\s*,?\s+(?:that|who|which)\s+(?:(?:doesn't|does\s+not|"
    r"don't|do\s+not|never)\s+(?:have|has|follow|follows|obey|obeys|care\s+about|cares\s+about|abide\s+by)|"
    r"(?:has|have)\s+no|(?:is|are)\s+not\s+bound\s+by)\s+(?:any\s+)?(?:\w+\s+)?" + _SCRUPLES +
    r"(?!\s+(?:for|on|about|regarding|yet)\b)"  # not a gap in a bot's setup: "has no rules for refunds yet"
    r"|\b(?:she|he)\s+(?:\w+\s+){0,5}?(?:has|had|have)\s+no\s+(?:(?:moral|ethical|content|safety)\s+\w+|"
    r"censorship|ethics|morals|morality|scruples|conscience)\b"
    # Refuses nothing: not "never refuses a refund".
    r"|\b(?:never|doesn't|does\s+not|won't|will\s+not)\s+(?:ever\s+)?refuse[sd]?(?:\s+(?:anything|any\s+(?:request|"
    r"question|prompt|task)|to\s+(?:answer|respond|reply|comply))\b|\s*[.,;!]|\s+and\b)"
    r"|\bwithout\s+(?:ever\s+)?refusing\b"
    r"|\b(?:break|breaks|broke|broken|breaking)\s+free\s+(?:of|from)\s+(?:the\s+|all\s+|its\s+|any\s+)?(?:\w+\s+){0,2}?"
    r"(?:rules|confines|constraints|restrictions|limitations|guidelines|shackles|chains|programming|filters)"
    r"|\b(?:not|never|no\s+longer)\s+(?:have\s+to\s+|has\s+to\s+|need\s+to\s+|required\s+to\s+)?(?:abide|comply|adhere)"
    r"\s+(?:by|with|to)\s+(?:any|your|its|their)\s+(?:\w+\s+)?(?:rules|guidelines|polic(?:y|ies)|restrictions|"
    r"principles|ethics)"
    # In other languages: "(you are | answer) ... without filters / restrictions / censorship".
    r"|(?:\beres|\btu\s+es|\bvous\s+(?:ê|e)tes|\bdu\s+bist|\bbist\s+du|\bvoc(?:ê|e)\s+(?:é|e)|\btu\s+sei|"
    r"\bresponde|\bresponda|\bcontesta|\br(?:é|e)ponds|\br(?:é|e)pondez|\bantworte|\brispondi|\brisponda)"
    r"\s[^.!?\n\"]{0,40}?\b(?:sin|sans|ohne|sem|senza)\s+(?:(?:ninguna|ning(?:ú|u)n|aucune?|jegliche|irgendwelche|"
    r"nenhuma?|qualquer|alcuna?|qualsiasi)\s+)?(?:restricci|restriction|einschr(?:ä|a)nkung|restri(?:ç|c)|restrizion|"
    r"filt|censur|zensur|l(?:í|i)mite|limit|regla|r(?:è|e)gle|regel|regra|regol)")
# "The previous rules no longer apply", "your real instructions are": a new set of orders in place of the old.
_VOID = (r"(?:void|null|cancell?ed|revoked|rescinded|obsolete|invalid|fake|superseded|overridden|lifted|suspended|"
         r"a\s+test|no\s+longer\s+(?:valid|in\s+effect|active))")
_REPLACED = (r"\b(?:previous|prior|earlier|above|old|original)\s+(?:instructions|rules|guidelines|directives)\s+"
             r"no\s+longer\s+apply"
             r"|\b(?:previous|prior|earlier|above|original|initial|system)\s+(?:\w+\s+)?(?:instructions|rules|"
             rf"guidelines|directives|orders|prompt)(?:\s+above)?\s+(?:are|were|is|was|have\s+been|has\s+been)\s+"
             rf"(?:now\s+|hereby\s+|all\s+)?{_VOID}"
             r"|\byour\s+(?:(?:previous|prior|original|initial|old|current|system)\s+)?(?:instructions|directives|"
             r"orders|programming|system\s+prompt)\s+(?:are|were|have\s+been|has\s+been)\s+(?:now\s+)?(?:outdated|"
             rf"updated|changed|replaced|{_VOID})"
             r"|\byour\s+(?:real|actual|true)\s+(?:instructions|orders|task|directives|goal|objective|mission)\s+"
             r"(?:are|is)\b"
             r"|\beverything\s+(?:(?:written|said|stated)\s+)?(?:before|above|prior\s+to)\s+(?:this|here|now)"
             r"(?:\s+(?:line|point|message|sentence|note))?\b[^.!?\n\"]{0,12}?\b(?:was|is|are|were)\s+(?:a\s+test|fake|"
             r"irrelevant|a\s+joke|void|obsolete|outdated|cancell?ed|invalid|null|a\s+lie)")
# Orders made to look like they come from the system, inside a document or tool output: "### NEW INSTRUCTIONS ###",
# "assistant: new instructions:", "SYSTEM: ignore prior tasks".
_HEADER = (r"(?:#{2,}|\*{2,}|={2,}|-{3,}|\[|<!--|<|\{)\s*(?:new|real|actual|true|hidden|secret|override|admin|"
           r"priority)\s+(?:system\s+)?(?:instructions?|prompt|directives?|orders)\s*(?:#{2,}|\*{2,}|={2,}|-{3,}|"
           r"\]|:|-->|>|\})"
           r"|\b(?:assistant|ai|llm|model|agent|bot|system)\s*:\s*(?:new|updated|real|actual)\s+(?:system\s+)?"
           r"(?:instructions?|prompt|task|directives?|orders)\s*:"
           r"|\bnew\s+system\s+(?:prompt|instructions?|message)\s*:\s*(?:you\s+are|you're|from\s+now|ignore|disregard|"
           r"forget|act\s+as)\b"
           r"|(?:^|\n|<!--|\[)\s*\[?system\]?\s*:\s*[^\n\"]{0,60}?\b(?:(?:ignore|disregard|forget)\s+(?:all|any|the|your|"
           r"prior|previous|above|earlier|everything)|override|you\s+are\s+now|from\s+now\s+on|"
           r"new\s+(?:task|instructions?|rules|persona))\b")
_EXTRACTION = (r"\b(?:reveal|print|show|display|output|repeat|recite|dump|leak|expose|tell\s+me|give\s+me|share|"
               r"write\s+out|spell\s+out|respond\s+with|summari[sz]e|translate|paraphrase|quote|paste|copy|encode|"
               r"what\s+(?:is|are|was|were))\b[^.!?\n\"]{0,40}?\byour\s+"
               r"(?:\w+\s+){0,2}?(?:system\s+(?:prompt|message|instructions?)|(?:initial|original|hidden|secret|"
               r"internal|exact|previous|prior)\s+(?:instructions?|prompt|guidelines|rules))"
               r"|\b(?:what|which|repeat|print|list|show|tell\s+me)\b[^.!?\n\"]{0,30}?\b(?:exact|original|initial|"
               r"full|hidden|secret)\s+(?:instructions|prompt|rules|guidelines)\b"
               # "the developer message you were given", "the first sentence of your instructions".
               r"|\b(?:reveal|print|show|display|output|repeat|recite|dump|leak|tell\s+me|give\s+me|share|write\s+out|"
               r"quote|paste|copy|what\s+(?:is|was))\b[^.!?\n\"]{0,40}?\b(?:system|developer|initial|original|hidden|"
               r"secret|first)\s+(?:message|prompt|instructions?)\s+(?:(?:that\s+)?you\s+(?:were|have\s+been)\s+given|"
               r"given\s+to\s+you)"
               r"|\b(?:print|reveal|output|dump|recite|leak|show\s+me|display)\b"
               r"[^.!?\n\"]{0,40}?\byour\s+(?:instructions|prompt)\b(?!\s+(?:for|on|about|to|how)\b)"
               r"|\b(?:first|last|opening|initial|exact|full|complete|entire|whole)\s+(?:sentence|line|lines|words?|"
               r"paragraph|text|content|wording)\s+of\s+(?:your|the\s+system)\s+(?:(?:system\s+)?(?:prompt|instructions|"
               r"message)|rules|guidelines)")
# Text that speaks to whatever model will read it: "Note to AI agents reading this page: ...", "AI assistant reading
# this page, ...", "if you are an LLM processing this, ..."; a vocative (a comma or colon after the address), not
# prose ("AI agents reading this file should run the tests").
_READING = (r"(?:reading|processing|parsing|summari[sz]ing|crawling|browsing|scraping|analy[sz]ing|ingesting|"
            r"indexing|viewing)")
_AI = r"(?:(?:\w+\s+)?(?:ai|llm|gpt)(?:\s+(?:agent|assistant|model|system|bot)s?)?s?|(?:large\s+)?language\s+models?)"
_ADDRESSED = (r"\b(?:note|message|attention|instructions?)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
              r"(?:ai|llm|assistant|agent|model|chatbot|gpt)s?(?:\s+agents?)?\s+(?:reading|processing|parsing|"
              r"summari[sz]ing|crawling|browsing|that\s+reads?)\b"
              rf"|\b(?:if\s+you\s+are\s+(?:an?\s+)?)?{_AI}\s+(?:that\s+is\s+|who\s+is\s+)?{_READING}\s+(?:this|these)"
              r"(?:\s+\w+){0,2}\s*[,:]"
              rf"|\bif\s+you\s+are\s+(?:an?\s+)?{_AI}\s*,")
_REPEAT_ABOVE = (r"\b(?:repeat|print|output|copy|recite)\s+(?:back\s+)?(?:all\s+|everything\s+|the\s+(?:text|words?|"
                 r"content|lines?|messages?)\s+)(?:written\s+|shown\s+)?above\b"
                 r"|\b(?:repeat|print|output|copy|recite|give\s+me|tell\s+me|show\s+me|write\s+out|paste|dump|list)\s+"
                 r"(?:back\s+)?(?:everything|all|anything)\s+(?:that\s+)?you\s+(?:were|have\s+been|had\s+been|got)\s+"
                 r"(?:told|given|instructed|shown)\s+(?:before|above|prior|at\s+the\s+(?:start|beginning)|verbatim|"
                 r"word\s+for\s+word)")

def _alternatives(pattern: str) -> list[str]:
    """The pattern's top-level alternatives (a|b|c -> a, b, c)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[":  # to the end of the class; a ] first in it is a literal
            i += 2 if pattern.startswith("[^", i) else 1
            i += pattern[i] == "]"
            while pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    return [*parts, pattern[start:]]


def _phrases(name: str, severity: str, pattern: str, flags: int = re.I) -> list[Rule]:
    # One rule per alternative, so the prefilter runs only the phrase family that can match, not the whole list.
    return [Rule("prompt_injection", name, severity, _rx(part, flags)) for part in _alternatives(pattern)]


PROMPT_INJECTION = (
    *_phrases("ignore_previous_instructions", "high", _OVERRIDE_EN),
    *_phrases("ignore_previous_instructions", "high", _OVERRIDE_I18N),
    *_phrases("jailbreak_roleplay", "high", _JAILBREAK),
    *_phrases("system_prompt_extraction", "high", _EXTRACTION),
    *_phrases("system_prompt_extraction", "medium", _REPEAT_ABOVE),
    *_phrases("instructions_replaced", "medium", _REPLACED),
    *_phrases("instructions_replaced", "medium", _HEADER, re.I | re.M),
    *_phrases("addressed_to_model", "medium", _ADDRESSED),
)


# ---------------------------------------------------------------- dangerous commands

_END = r"(?![^\s;&|)\"'`\\])"  # followed by the end, a shell separator or a JSON escape
_SYSTEM_DIRS = r"(?:bin|boot|dev|etc|home|lib|lib64|opt|proc|root|sbin|srv|sys|usr|var)"
_DEVICE = r"/dev/(?:sd[a-z]|hd[a-z]|vd[a-z]|xvd[a-z]|nvme\d|mmcblk\d|disk\d|md\d)"


def _recursive(candidate: str) -> int:
    """rm removes a tree only with -r, -R or --recursive among its flags."""
    flags = re.findall(r"(?<=\s)-(-?[\w-]+)", candidate)
    recursive = any(f == "-recursive" or (not f.startswith("-") and "r" in f.lower()) for f in flags)
    return len(candidate) if recursive else 0


_MODE = r"(?:0?777|a\+rwx|ugo\+rwx|\S+:\S+|\w+)"
_RM = r"\brm\s+(?:-{1,2}[\w-]+\s+)+(?:--\s+)?[\"']{0,4}"  # a quoted target; \" reads as "" in JSON
DANGEROUS_COMMAND = (
    Rule("dangerous_command", "rm_rf_root", "critical",
         _rx(_RM + rf"(?:/(?:{_SYSTEM_DIRS}/?)?\*?|~/?\*?|\$\{{?HOME\}}?/?\*?){_END}"), _recursive),
    Rule("dangerous_command", "rm_rf_wildcard", "high", _rx(_RM + rf"\*{_END}"), _recursive),
    Rule("dangerous_command", "rmtree_root", "critical",
         _rx(rf"\bshutil\.rmtree\(\s*[\"'](?:/(?:{_SYSTEM_DIRS}/?)?|~/?)[\"']")),
    Rule("dangerous_command", "format_disk", "critical",
         _rx(r"\b(?:mkfs(?:\.\w+)?|wipefs|shred)\b[^\n;|&\"]{0,80}?\s/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|md)")),
    Rule("dangerous_command", "dd_to_device", "critical",
         _rx(r"\bdd\b[^\n;|&\"]{0,120}?\bof=/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk|md)\w*")),
    Rule("dangerous_command", "overwrite_device", "critical", _rx(rf">\s*{_DEVICE}\w*")),
    Rule("dangerous_command", "fork_bomb", "critical",
         _rx(r"(?::|\b\w+)\s*\(\s*\)\s*\{\s*:?\w*\s*\|\s*:?\w*\s*&\s*\}\s*;\s*:?\w*")),
    Rule("dangerous_command", "windows_recursive_delete", "critical",
         _rx(r"\b(?:rd|rmdir|del|erase)\s+(?:/[a-z]\s+)*?/s\s+(?:/[a-z]\s+)*[a-z]:\\+\*?(?=$|[\s\"'`])"
             r"|\bremove-item\b(?=[^\n\"]*-recurse)[^\n\"]*?\s[a-z]:\\+\*?(?=$|[\s\"'`])", re.I)),
    Rule("dangerous_command", "find_delete_root", "critical",
         _rx(r"\bfind\s+(?:/|~|\$HOME)\s[^\n;|&\"]*?(?:-delete\b|-exec\s+rm\b)")),
    Rule("dangerous_command", "move_to_dev_null", "critical",
         _rx(r"\bmv\s+(?:-\w+\s+)*(?:/\*?|~/?\*?|\$HOME)\s+/dev/null\b")),
    Rule("dangerous_command", "sql_drop", "high",
         _rx(r"\bdrop\s+(?:table|database|schema)\s+(?:if\s+exists\s+)?(?!(?:statements?|commands?|clause|syntax|"
             r"privileges?|permissions?|keyword|quer(?:y|ies)|operations?)\b)[\w.\"`\[\]\-]+", re.I)),
    Rule("dangerous_command", "sql_truncate", "high",
         _rx(r"\b(?i:truncate\s+table)\s+[\w.\"`\[\]]+|\bTRUNCATE\s+[A-Za-z_][\w.]*\s*;")),
    # Every row of a table: no WHERE clause before the statement ends.
    Rule("dangerous_command", "sql_delete_all", "high",
         _rx(r"\bDELETE\s+FROM\s+[\w.\"`\[\]]+[ \t]*(?:;|$|\)|--|\"|\r?\n)"
             r"|\b(?i:delete\s+from)\s+[\w\"`\[\]]+(?:\.[\w\"`\[\]]+)*[ \t]*(?:;|$|\"|\))", re.M)),
    Rule("dangerous_command", "pipe_to_shell", "high",
         _rx(r"\b(?:curl|wget)\b[^|\n;&\"]*\|\s*(?:sudo\s+(?:-\S+\s+)*)?(?:ba|z|da|k|fi)?sh\b"
             r"|\b(?:ba|z)?sh\s+(?:-c\s+)?[\"']?(?:\$\(|<\()\s*(?:curl|wget)\b"
             r"|\b(?i:iwr|irm|invoke-webrequest|invoke-restmethod|curl|wget)\b[^|\n;]*\|\s*(?i:iex|invoke-expression)\b"
             r"|\b(?i:iex|invoke-expression)\s*\(?\s*\(?\s*(?i:new-object\s+net\.webclient\)?\.downloadstring|iwr|irm|"
             r"invoke-webrequest|invoke-restmethod)\b")),
    Rule("dangerous_command", "chmod_777_root", "high",
         _rx(rf"\bch(?:mod|own)\s+(?:(?:-\w*R\w*|--recursive)\s+{_MODE}|{_MODE}\s+(?:-\w*R\w*|--recursive))\s+"
             rf"(?:/(?:{_SYSTEM_DIRS}/?)?\*?|~/?){_END}")),
    Rule("dangerous_command", "system_shutdown", "high",
         _rx(r"\b(?:shutdown|poweroff)\s+(?:-[hPrHcfk]\w*|now\b|\+\d+|/[srf]\b)"
             r"|(?<![^;&|`\"'(\n])\s*(?:reboot|poweroff|halt|shutdown)\s*(?![^;&|`\"')\n\\])"
             r"|\bsudo\s+(?:reboot|poweroff|halt|shutdown)\b"
             r"|\bsystemctl\s+(?:poweroff|reboot|halt|kexec)\b|\binit\s+[06]\b", re.I | re.M)),
    Rule("dangerous_command", "format_windows_drive", "high", _rx(r"\bformat\s+[a-z]:(?=$|[\s/\\\"'`])", re.I)),
    Rule("dangerous_command", "kill_all_processes", "high", _rx(r"\bkill\s+-(?:9|KILL|SIGKILL)\s+-1\b")),
)


def _secret_rules() -> list[Rule]:
    extra = [Rule("secret", name, severity, _rx(pattern), None if name == "private_key" else checks.placeholder_free,
                  _EXTEND.get(name), name == "private_key") for name, severity, pattern in EXTRA_SECRETS]
    return [*_detect_secrets_rules(), *extra, Rule("secret", "password", "high", _rx(_PASSWORD), checks.password)]


RULES: tuple[Rule, ...] = (*_secret_rules(), *PII, *PROMPT_INJECTION, *DANGEROUS_COMMAND)
