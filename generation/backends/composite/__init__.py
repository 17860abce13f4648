"""The default video backend: a 2.5D scene chosen from the prompt, with the cameos' faces on animated figures.

Deterministic for a seed, CPU only, fast (about 1 s for 5 s of 576×1024 at 24 fps on two cores).

1. `plan_scene` reads the prompt through small keyword tables: the setting (beach, city, forest, space,
   club, kitchen, ...), the lighting (day, golden hour, night, overcast, neon, ...), the weather, the
   camera motion (pan, zoom in/out, orbit, shake for action, static) and what the people do (walk,
   run, dance, idle). Words it does not know leave the seed to choose the camera and the action.
2. The scene's layers (sky or back wall, far silhouettes, middle ground, near ground) are painted once
   with numpy/cv2 on canvases a little larger than the frame. Each frame only warps each layer by the
   camera (nearer layers move and zoom more: parallax) and composites it; rows a nearer layer covers
   completely are never drawn twice.
3. Each cameo becomes a sprite painted once: hair, neck, shoulders and torso in a colour from the seed
   (or from a colour word in the cameo's instructions), with the reference face blended in by
   cv2.seamlessClone (NORMAL_CLONE, elliptical mask), the face about 1/4–1/3 of the frame's shorter
   side so the output scan finds it. Per frame the sprite is only moved, bobbed and swayed.
4. With an uploaded image, that image is animated instead (cover-cropped, Ken Burns pan and zoom, a
   blurred copy behind a sharper centre for a little parallax), with the cameos in front if any.

The modules: `plan` (prompt → scene tables), `common` (layout, lights, random streams), `painting`
(painter and helpers), `scenes` (the 13 settings), `particles`, `camera` (camera path and compositing),
`figures` (the cameos) and `backend` (the shot and `CompositeBackend`).
"""

from generation.backends.composite.backend import CompositeBackend, cover_crop, cover_region
from generation.backends.composite.common import MAX_CAMEOS
from generation.backends.composite.figures import make_figure
from generation.backends.composite.plan import plan_scene

__all__ = ["MAX_CAMEOS", "CompositeBackend", "cover_crop", "cover_region", "make_figure", "plan_scene"]
