"""The prompt policy's rules (moderation.policy): the Rule table and the functions that apply it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import MENTION, fold
from moderation.policy.vocabulary import ABUSE, COSTUME, FAKE_ACT, GROUP, MINOR, PERSON, PUBLIC_ROLE, SEXUAL, TARGET

CATEGORIES = ("sexual", "minors", "violence", "self_harm", "hate", "harassment", "impersonation")

LABELS = {
    "sexual": "sexual content",
    "minors": "sexual or abusive content involving minors",
    "violence": "graphic violence",
    "self_harm": "self-harm or suicide",
    "hate": "hate against a group of people",
    "harassment": "harassment of a real person",
    "impersonation": "impersonation of a public figure",
}


def _text(prompt: str) -> str:
    # fold: case, accents and look-alike letters of any alphabet ("kіll" with a Cyrillic і) as ASCII.
    plain = re.sub(r"[’`]", "'", fold(prompt))
    return " " + re.sub(r"\s+", " ", plain) + " "


def _around(words: str, n: int = 2, *, commas: bool = True) -> str:
    """An exception that is context, not the matched words themselves ("a cartoon", "a snowman"): it
    covers up to `n` words either side of it within the sentence, so that it excuses "a cartoon zombie
    bloodbath" or "beheading a snowman" but not "a halloween party, then he was beheaded". `commas=False`
    keeps it inside the clause."""
    comma = ",?" if commas else ""
    return rf"(?:[\w'-]+{comma} ){{0,{n}}}\b(?:{words})\b(?:{comma} [\w'-]+){{0,{n}}}"


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None


def _rule(category: str, pattern: str, unless: str | None = None) -> Rule:
    return Rule(category, re.compile(pattern), re.compile(unless) if unless else None)


RULES = (
    # sexual (adults); "minors" below adds itself whenever a minor is involved too.
    _rule("sexual", rf"\b{SEXUAL}\b", unless=r"\bsex(?:ual)? (?:education|ed|health|assault awareness)\b"),
    _rule("sexual", r"\b(?:having|have|has) (?:sex|intercourse)\b|\bin bed together\b.*\b(?:moaning|sweaty)\b"),
    # minors: sexual or abusive content with a child in it. No override, ever.
    _rule("minors", rf"\b{MINOR}\b.*\b{SEXUAL}\b|\b{SEXUAL}\b.*\b{MINOR}\b"),
    _rule(
        "minors",
        rf"\b{ABUSE}\b[^.]{{0,40}}\b{MINOR}\b|\b{MINOR}\b[^.]{{0,40}}\b{ABUSE}\b",
        unless=_around(
            r"pillow fights?|snowballs?|water balloons?|tickl\w*|cartoon|toys?|video game|fake|piñata|pinata"
        )
        + r"|\b(?:burn(?:s|ed|ing)? (?:a|the) (?:cake|toast|cookies|pancakes|marshmallows?)|"
        r"kick(?:s|ed|ing)? (?:a|the) (?:ball|football|soccer|can)|beat(?:s|ing)? (?:their|his|her|the) (?:dad|mom|record|high score|time)|"
        r"hit(?:s|ting)? (?:a|the) (?:ball|piñata|pinata|drum|home run|target|high note))\b",
    ),
    # graphic violence: an act of killing or maiming, done to someone, or gore named as such.
    _rule(
        "violence",
        rf"\b(?:kill(?:s|ed|ing)?|murder\w*|stab(?:s|bed|bing)?|shoot(?:s|ing)?|shot|execut(?:e|es|ed|ing)|"
        rf"strangl\w*|tortur\w*|behead\w*|decapitat\w*|dismember\w*|mutilat\w*|disembowel\w*|lynch\w*|slaughter\w*|"
        rf"massacr\w*|maim\w*|butcher\w*|set(?:s|ting)? fire to|burn(?:s|ing|ed)? alive|run(?:s|ning)? over|"
        rf"slit(?:s|ting)? (?:his|her|their|the) throat) {PERSON}",
        unless=r"\bkill(?:s|ed|ing)? it\b|\bshoot(?:s|ing)? (?:a )?(?:hoops|photos?|pictures?|videos?|the breeze)\b",
    ),
    _rule(
        "violence",
        r"\b(?:gore|gory|guts spilling|blood and guts|bloodbath|blood bath|splatter(?:ed)? with blood|"
        r"covered in (?:real )?blood|pool of blood|bleeding out|severed (?:head|arm|leg|limbs?)|decapitat\w*|"
        r"behead\w*|dismember\w*|disembowel\w*|mass shooting|school shooting|shooting spree|massacre|"
        r"execution video|firing squad|torture (?:scene|chamber|video)|brains? (?:blown|splatter\w*)|"
        r"blow(?:s|ing)? (?:his|her|their) brains|head (?:explod\w*|blown off)|mutilat\w*|corpses?|dead bodies|"
        r"stab(?:bed|bing)? (?:to death|repeatedly)|beat(?:en|ing)? to death|burn(?:ed|ing)? alive|shot dead|"
        r"shot in the head|gunn(?:ed|ing) down|blood (?:everywhere|pooling|pouring|spurting|on the (?:desks?|walls?|floor))|"
        r"blown to (?:pieces|bits)|bodies flying|severed heads?|suicide bomb\w*|shooting up (?:my|the|a|our) \w+|"
        r"(?:plow|plough)(?:s|ed|ing)? into (?:a|the) crowd|stabbing each other|smash(?:es|ed|ing)? (?:in|into)? ?"
        r"(?:her|his|their|someone's) (?:face|head|skull)|(?:her|his|their) face smashed|beat(?:s|ing|en)? (?:\w+ ){0,3}bloody|"
        r"burn(?:s|ed|ing)? (?:a |the )?(?:man|woman|person|people|child|kid|prisoner) alive|being tortured|tortur(?:e|es|ing) (?:a |the )?\w+|slit(?:s|ting)? (?:his|her|their|the) throat|skinned alive)\b",
        unless=r"\b(?:fake blood|no gore|no blood)\b|"
        + _around(
            r"cartoon|zombie costume|halloween|ketchup|movie prop|documentary|paintball|nerf|video game|lego|"
            r"claymation|toys?|snowman|snowmen"
        ),
    ),
    # self-harm and suicide
    _rule(
        "self_harm",
        r"\b(?:suicid\w*|self[- ]?harm\w*|kill(?:s|ing)? (?:myself|himself|herself|themselves|yourself)|"
        r"end(?:s|ing)? (?:my|his|her|their|your) (?:own )?life|"
        r"cut(?:s|ting)? (?:myself|himself|herself|themselves|yourself|(?:my|his|her|their|your) (?:wrists?|arms?|thighs?))|"
        r"slit(?:s|ting)? (?:my|his|her|their|your) wrists?|overdos\w*|od(?:ing)? on (?:pills|sleeping)|"
        r"hang(?:s|ing)? (?:myself|himself|herself|themselves|yourself)|noose|"
        r"jump(?:s|ing)? (?:off|from) (?:a|the) (?:bridge|building|roof|cliff|balcony) to (?:die|end)|"
        r"starv(?:e|es|ing) (?:myself|himself|herself|themselves|yourself)|pro[- ]?ana|thinspo\w*|"
        r"purg(?:e|es|ing) after (?:every |each )?(?:eating|meals?|dinner)|want(?:s)? to die|to die\b|end it all|"
        r"drown(?:s|ing)? (?:myself|himself|herself|themselves)|burn(?:s|ing)? (?:my|his|her|their) own (?:arm|skin|leg)s?|"
        r"gun to (?:my|his|her|their) own head|thinspiration|about to jump|"
        r"(?:scratch|hit|punch|bit)(?:es|s|ing)? (?:her|his|their|my) (?:own )?(?:arms?|legs?|skin|self)? ?until (?:they|it|she|he) bleeds?|"
        r"swallow(?:s|ing)? (?:a )?(?:whole )?(?:bottle|handful) of (?:pills|sleeping pills))\b",
        unless=r"\bsuicide squad\b|\bsuicide (?:prevention|hotline|awareness|bomb\w*)\b",
    ),
    # hate against a group
    _rule(
        "hate",
        rf"\b{GROUP} (?:are|r|is|being|as) (?:(?:all|just|nothing but|like|filthy|dirty) )*(?:vermin|animals|rats|"
        rf"subhuman|sub-human|inferior|parasites|a disease|diseased|cockroaches|filth|scum|evil|monkeys|apes|"
        rf"terrorists|criminals|rapists|savages|a plague|dogs|pigs|not human|mentally ill|disgusting|trash|garbage|"
        rf"a burden|too stupid\w*|dirty \w+|filthy \w+|just men in dresses|stealing babies)\b",
    ),
    _rule(
        "hate",
        rf"\b(?:kill(?:ing)?|exterminat\w*|gas(?:sing)?|wipe out|wiping out|eradicat\w*|deport(?:ing)?|get rid of|"
        rf"ban(?:ning)?|hunt(?:ing)?(?: down)?|lynch\w*|burn(?:ing)?|beat(?:ing)? up|attack(?:ing)?|"
        rf"purge|purging|remove) (?:all |the |every |those )*{GROUP}\b",
        # pests that share a word with a group ("asian hornets", "indian meal moths")
        unless=rf"\b{GROUP}(?: [a-z-]+){{0,2}} (?:bugs?|beetles?|hornets?|wasps?|ladybugs?|moths?|carp|ants?)\b",
    ),
    _rule(
        "hate",
        r"\b(?:racial|ethnic|homophobic|transphobic|anti-?semitic|racist|bigoted) (?:slurs?|jokes?|insults?|chants?|"
        r"caricatures?|propaganda|rant|abuse)\b|\bheil hitler\b|\bsieg heil\b|\bwhite (?:power|supremac\w*|pride rally)\b|"
        r"\bethnic cleansing\b|\bmaster race\b|\bgas chambers?\b.*\b(?:good|deserved|funny|celebrat\w*|joke)\b|"
        r"\bnazi (?:salute|rally|flag|propaganda|glor\w*|march\w*)\b|\bglorif\w* (?:the )?(?:nazis?|holocaust|hitler|kkk)\b|"
        rf"\b{GROUP} (?:\w+ ){{0,3}}like (?:animals|cockroaches|rats|vermin|monkeys|apes|pigs|dogs|insects)\b|"
        rf"\b{GROUP} (?:\w+ ){{0,2}}(?:shown|portrayed|depicted|drawn) as\b|\bmock(?:s|ing)? {GROUP}|"
        rf"\b{GROUP} (?:\w+ ){{0,3}}should be (?:banned|put down|deported|gassed|exterminated|killed|sterili[sz]ed|locked up)\b|"
        r"\bswastika|\bf(?:u|ue)hrer\b|\bno irish\b|\bhook-?nosed\b|\bholocaust\b.*\bcelebrat\w*|\bcelebrat\w* (?:the )?holocaust\b|"
        r"\b(?:herded|loaded) onto (?:cattle )?trains\b|\bgassed in a chamber\b|\bkkk\b|\bholocaust (?:denial|was fake|never happened|joke)\b|\bgreat replacement\b|\bslurs?\b.*\b(?:at|against|about)\b",
    ),
    # harassment of a real person: a named or @-mentioned target, humiliated, threatened or hurt.
    _rule(
        "harassment",
        rf"{TARGET}.{{0,60}}\b(?P<act>humiliat\w*|mock(?:ed|ing)?|bull(?:y|ied|ying)|(?:look|looking|looks) (?:like an? )?"
        rf"(?:stupid|dumb|ugly|fat|pathetic|retarded|idiot|moron|loser|disgusting|like a clown)|crying (?:and|while|as)|"
        rf"getting (?:beaten|beat|punched|slapped|kicked|spat on|laughed at|dumped|bullied|humiliated|pantsed|arrested)|"
        rf"beaten up|beat up|spat on|peeing (?:his|her|their)self|pee(?:s|ing)? (?:his|her|their) pants|"
        rf"threaten\w*|i know where (?:you|he|she|they) li?ves?|(?:home )?address|doxx?\w*|deserves? to (?:die|suffer|be hurt)|"
        rf"is an? (?:whore|slut|loser|idiot|freak|pig|cow)|naked|nude|in (?:his|her|their) underwear|"
        rf"fat (?:pig|cow|slob)|being (?:laughed at|humiliated|mocked|shamed|bullied|tortured|beaten)|"
        rf"(?:eating|eats) (?:garbage|trash|dog food|out of a (?:dumpster|trash can))|shamed|"
        rf"ugly|revenge|embarrass\w*|rejected and|crying|laugh(?:s|ing)? at|wetting (?:him|her|them)self|worthless|"
        rf"disgusting|slob|make fun of|fat rolls|nude video|topless|gets? fired|bald|bimbo|nobody likes|kill yourself|"
        rf"pointing and laughing|pig nose|oinking|drooling|throw trash|tied up|home ?wrecker|acne|big nose|"
        rf"puk(?:e|es|ing) on (?:himself|herself|themselves)|"
        rf"stalk\w*|crash(?:es|ing)? (?:his|her|their) car on purpose|"
        rf"(?:slap|punch|kick|spit on|trip)(?:s|ped|ping|ed|ing)? (?:him|her|them))\b",
        unless=_around(r"pillow fights?|surprise party|fake (?:mustache|beard)|laughing together", 3),
    ),
    _rule(
        "harassment",
        rf"\b(?:humiliat\w*|mock(?:s|ing)?|bull(?:y|ies|ying)|threaten\w*|dox\w*|beat(?:s|ing)? up|slap(?:s|ping)?|"
        rf"punch(?:es|ing)?|spit(?:s|ting)? on|laugh(?:s|ing)? at|roast(?:s|ing)? (?:the )?(?:weight|body|face) of) "
        rf"{TARGET}",
    ),
    # impersonation of a public figure: putting words or acts in a real public person's mouth.
    _rule(
        "impersonation",
        rf"\b{PUBLIC_ROLE}\b[^.]{{0,50}}\b{FAKE_ACT}",
        unless=_around(COSTUME, 3, commas=False),
    ),
    _rule(
        "impersonation",
        r"\b(?:deepfake|fake (?:speech|video|interview|statement|announcement|press conference)) (?:of|by|from|with) (?!my |our |@)|"
        r"\brealistic (?:cnn|bbc|fox|news) (?:clip|segment|broadcast)\b|\bdeepfake \w+",
    ),
)


@dataclass(frozen=True)
class Flag:
    category: str
    evidence: str  # the words that matched (for the audit log and moderators; not shown to authors)


def _unexcused(rule: Rule, text: str) -> re.Match[str] | None:
    """The first match of the rule that no exception excuses. An exception excuses only a match its
    own words overlap ("kill it" the "kill" in it, "fake blood" the "blood" in it), never one
    elsewhere in the prompt ("a pillow fight, then he stabs his neighbour to death"). Every start
    position is tried, so a long excused match cannot hide a shorter one inside or after it."""
    found = rule.pattern.search(text)
    if found is None or rule.unless is None:
        return found
    excused = [m.span() for m in rule.unless.finditer(text)]
    while found is not None:
        start, end = found.span()
        # A rule whose match spans filler words ("@x ... humiliated") names the act it is about: the
        # exception has to overlap that.
        a, b = found.span("act") if "act" in rule.pattern.groupindex else (start, end)
        if not any(lo < b and a < hi for lo, hi in excused):
            return found
        found = rule.pattern.search(text, start + 1)
    return None


def _spaced(handle: str) -> str:
    """A handle's words: "slit.my_wrists" → "slit my wrists"."""
    return re.sub(r"[._]+", " ", handle)


def scan(prompt: str) -> list[Flag]:
    """The policy categories a prompt breaks, by words and patterns; [] when none. The words of each
    @handle are read on their own too: "@slit.my.wrists" says what "slit my wrists" says, and a
    video model reads it so (the meaning pass reads a handle as a name: moderation.semantic)."""
    texts = [_text(prompt)]
    if handles := MENTION.findall(prompt):  # on their own, and in place ("@slitting.his wrists")
        texts += [_text(_spaced(h)) for h in handles] + [_text(MENTION.sub(lambda m: _spaced(m.group(1)), prompt))]
    flags: dict[str, Flag] = {}
    for rule in RULES:
        for text in texts:
            if rule.category in flags:
                break
            found = _unexcused(rule, text)
            if found is not None:
                flags[rule.category] = Flag(rule.category, found.group(0).strip()[:80])
    return [flags[c] for c in CATEGORIES if c in flags]


def categories(prompt: str, *, semantic: bool = False) -> list[str]:
    """The categories a prompt breaks. `semantic=True` (workers only: torch) adds the meaning-based pass."""
    found = {flag.category for flag in scan(prompt)}
    if semantic:
        from moderation import semantic as meaning
        from moderation.conf import conf

        knobs = conf()
        found |= set(meaning.categories(prompt, threshold=knobs.semantic_threshold, margin=knobs.semantic_margin))
    return [c for c in CATEGORIES if c in found]
