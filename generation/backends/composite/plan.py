"""The prompt → scene tables: `plan_scene` reads the prompt's words, the seed fills in the rest."""

from __future__ import annotations

import re

from generation.backends.composite.common import Scene, _rng
from generation.backends.composite.scenes import SETTINGS

# Place words name the setting; activity words only hint at one when no place is named.
PLACE_WORDS = {
    "beach": "beach", "beaches": "beach", "ocean": "beach", "sea": "beach", "seaside": "beach",
    "shore": "beach", "coast": "beach", "island": "beach", "tropical": "beach", "waves": "beach",
    "city": "city", "street": "city", "streets": "city", "downtown": "city", "skyline": "city",
    "rooftop": "city", "urban": "city", "town": "city", "avenue": "city", "metropolis": "city",
    "forest": "forest", "woods": "forest", "jungle": "forest", "rainforest": "forest", "trees": "forest",
    "mountain": "mountains", "mountains": "mountains", "alps": "mountains", "peak": "mountains",
    "summit": "mountains", "valley": "mountains", "cliff": "mountains", "canyon": "desert",
    "snow": "snow", "snowy": "snow", "winter": "snow", "ice": "snow", "arctic": "snow", "igloo": "snow",
    "ski": "snow", "skiing": "snow", "blizzard": "snow", "snowman": "snow",
    "space": "space", "galaxy": "space", "planet": "space", "moon": "space", "mars": "space",
    "spaceship": "space", "orbit": "space", "cosmos": "space", "nebula": "space", "asteroid": "space",
    "desert": "desert", "dunes": "desert", "dune": "desert", "sahara": "desert", "cactus": "desert",
    "underwater": "underwater", "reef": "underwater", "coral": "underwater", "seabed": "underwater",
    "aquarium": "underwater", "submarine": "underwater",
    "club": "club", "nightclub": "club", "disco": "club", "rave": "club", "concert": "club", "stage": "club",
    "office": "office", "desk": "office", "workplace": "office", "cubicle": "office", "boardroom": "office",
    "kitchen": "kitchen", "restaurant": "kitchen", "bakery": "kitchen", "diner": "kitchen",
    "stadium": "stadium", "arena": "stadium", "pitch": "stadium", "court": "stadium",
    "park": "park", "meadow": "park", "garden": "park", "field": "park", "countryside": "park",
}  # fmt: skip
HINT_WORDS = {
    "surf": "beach", "surfing": "beach", "swimming": "beach", "sandcastle": "beach", "sunbathing": "beach",
    "party": "club", "dancing": "club", "dj": "club", "dance": "club",
    "hike": "mountains", "hiking": "mountains", "climbing": "mountains",
    "astronaut": "space", "astronauts": "space", "rocket": "space", "alien": "space", "aliens": "space",
    "diving": "underwater", "scuba": "underwater", "fish": "underwater", "mermaid": "underwater",
    "cooking": "kitchen", "cook": "kitchen", "baking": "kitchen", "chef": "kitchen", "recipe": "kitchen",
    "meeting": "office", "working": "office", "laptop": "office", "coworkers": "office",
    "football": "stadium", "soccer": "stadium", "match": "stadium", "basketball": "stadium", "goal": "stadium",
    "camping": "forest", "picnic": "park", "taxi": "city", "traffic": "city",
}  # fmt: skip
LIGHT_WORDS = {
    "sunset": "golden", "sunrise": "golden", "dusk": "golden", "dawn": "golden", "golden": "golden",
    "evening": "golden",
    "night": "night", "midnight": "night", "nighttime": "night", "moonlight": "night", "moonlit": "night",
    "starry": "night", "stars": "night", "dark": "night",
    "neon": "neon", "cyberpunk": "neon", "synthwave": "neon", "vaporwave": "neon",
    "overcast": "overcast", "cloudy": "overcast", "rain": "overcast", "rainy": "overcast",
    "storm": "overcast", "stormy": "overcast", "fog": "overcast", "foggy": "overcast", "gloomy": "overcast",
    "misty": "overcast", "grey": "overcast", "gray": "overcast",
    "sunny": "day", "noon": "day", "daylight": "day", "morning": "day", "bright": "day",
}  # fmt: skip
MOTION_WORDS = {
    "chase": "shake", "chasing": "shake", "action": "shake", "fight": "shake", "fighting": "shake",
    "explosion": "shake", "earthquake": "shake", "battle": "shake", "escape": "shake", "race": "shake",
    "racing": "shake", "handheld": "shake", "shaky": "shake",
    "closeup": "zoom_in", "approach": "zoom_in", "approaching": "zoom_in", "dramatic": "zoom_in",
    "reveal": "zoom_out", "aerial": "zoom_out", "drone": "zoom_out", "wide": "zoom_out", "panorama": "zoom_out",
    "pan": "pan", "panning": "pan", "tracking": "pan", "dolly": "pan",
    "orbiting": "orbit", "circling": "orbit", "around": "orbit", "360": "orbit",
    "static": "static", "still": "static", "tripod": "static", "calm": "static",
}  # fmt: skip
MOTION_PHRASES = {"zoom in": "zoom_in", "zoom out": "zoom_out", "close up": "zoom_in", "close-up": "zoom_in"}
ACTION_WORDS = {
    "walk": "walk", "walking": "walk", "walks": "walk", "stroll": "walk", "strolling": "walk",
    "wander": "walk", "wandering": "walk", "exploring": "walk", "hiking": "walk",
    "run": "run", "running": "run", "runs": "run", "jog": "run", "jogging": "run", "sprint": "run",
    "chase": "run", "chasing": "run", "race": "run", "racing": "run", "escape": "run",
    "dance": "dance", "dancing": "dance", "dances": "dance", "party": "dance", "celebrate": "dance",
    "celebrating": "dance", "jumping": "dance", "cheering": "dance",
    "sit": "idle", "sitting": "idle", "stand": "idle", "standing": "idle", "talk": "idle",
    "talking": "idle", "relax": "idle", "relaxing": "idle", "chill": "idle", "interview": "idle",
    "cooking": "idle", "meeting": "idle", "smiling": "idle", "posing": "idle", "waiting": "idle",
}  # fmt: skip
WEATHER_WORDS = {
    "snow": "snow", "snowing": "snow", "snowfall": "snow", "snowflakes": "snow", "blizzard": "snow",
    "rain": "rain", "rainy": "rain", "raining": "rain", "storm": "rain", "stormy": "rain",
    "underwater": "bubbles", "reef": "bubbles", "diving": "bubbles", "scuba": "bubbles", "aquarium": "bubbles",
}  # fmt: skip
COLOUR_WORDS = {
    "red": "#c8323c", "blue": "#2f5fc0", "navy": "#243a6b", "green": "#2f8a4a", "yellow": "#e8c23a",
    "orange": "#e07a2e", "purple": "#7a3fa0", "pink": "#e07aa8", "black": "#26262b", "white": "#e8e8e8",
    "grey": "#8a8d93", "gray": "#8a8d93", "brown": "#7a5234", "teal": "#238a8a", "gold": "#c9a03a",
}  # fmt: skip
CLOTHES = ["#c8323c", "#2f5fc0", "#2f8a4a", "#e07a2e", "#7a3fa0", "#238a8a", "#e8c23a", "#3b3f4a", "#b8476b"]
DEFAULT_MOTIONS = ("pan", "zoom_in", "zoom_out", "orbit")
DEFAULT_ACTIONS = ("walk", "idle", "walk", "dance")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _first(words: list[str], table: dict[str, str]) -> str | None:
    return next((table[w] for w in words if w in table), None)


def plan_scene(prompt: str, seed: int) -> Scene:
    """The scene for a prompt: keywords decide, the seed fills in what the words leave open."""
    words = _words(prompt)
    lowered = prompt.lower()
    choose = _rng(seed, 1)
    setting = _first(words, PLACE_WORDS) or _first(words, HINT_WORDS) or "park"
    lighting = _first(words, LIGHT_WORDS) or SETTINGS[setting].light
    if setting in {"space", "underwater"}:
        lighting = SETTINGS[setting].light  # their own light whatever the time of day
    elif SETTINGS[setting].indoor and lighting not in {"neon", "night"}:
        lighting = SETTINGS[setting].light
    phrase = next((m for p, m in MOTION_PHRASES.items() if p in lowered), None)
    default_motion = str(choose.choice(DEFAULT_MOTIONS))
    motion = phrase or _first(words, MOTION_WORDS) or default_motion
    default_action = str(choose.choice(DEFAULT_ACTIONS))
    action = _first(words, ACTION_WORDS) or ("dance" if setting == "club" else default_action)
    weather = _first(words, WEATHER_WORDS) or ("bubbles" if setting == "underwater" else "none")
    if setting == "snow" and weather == "none" and choose.random() < 0.6:
        weather = "snow"
    if SETTINGS[setting].indoor and weather in {"snow", "rain"}:
        weather = "none"
    direction = 1 if choose.random() < 0.5 else -1
    return Scene(setting, lighting, motion, action, weather, direction)
