"""Views of a stepper for notebooks and for the web.

- `stepper_widget(stepper)`: a live Jupyter widget (ipywidgets): previous / next buttons, a
  slider, the graph as SVG and the step's text. Its output also carries a static HTML copy
  (every frame and a plain-JavaScript slider), which is what GitHub, nbviewer and exported
  HTML show, since they cannot run widgets. Without ipywidgets it returns that static view
  instead of failing.
- `stepper_html(stepper)`: that static page as a string; `stepper.to_html(path)` writes it.
"""
import html
import itertools

from .dot import GraphvizNotFoundError

_ids = itertools.count()

_SCRIPT = """<script>
(function () {
  var root = document.getElementById("%(id)s");
  var frames = root.querySelectorAll(".gg-frame");
  var slider = root.querySelector("input[type=range]");
  var label = root.querySelector(".gg-position");
  function show(k) {
    k = Math.max(0, Math.min(frames.length - 1, k));
    for (var i = 0; i < frames.length; i++) { frames[i].style.display = i === k ? "" : "none"; }
    slider.value = k;
    label.textContent = "step " + k + "/" + (frames.length - 1);
  }
  root.querySelector(".gg-prev").onclick = function () { show(+slider.value - 1); };
  root.querySelector(".gg-next").onclick = function () { show(+slider.value + 1); };
  slider.oninput = function () { show(+slider.value); };
})();
</script>"""


def _frame_svg(stepper, k):
    try:
        return stepper.svg(k)
    except GraphvizNotFoundError as e:
        return f"<p><i>{html.escape(str(e))}</i></p>"


def stepper_html(stepper, note=""):
    """A self-contained HTML fragment with every position of `stepper`: the graph (SVG) and
    the step text per frame, and previous / next buttons and a slider in plain JavaScript.

    Where scripts do not run (GitHub's notebook view), the current frame is what shows.
    The stepper itself is not moved."""
    uid = f"gg-stepper-{next(_ids)}"
    n = len(stepper)
    current = stepper.position
    frames = []
    for k in range(n + 1):
        hidden = "" if k == current else ' style="display:none"'
        frames.append(f'<div class="gg-frame"{hidden}>'
                      f'<pre style="white-space:pre-wrap">{html.escape(stepper.describe(k))}'
                      f'</pre>{_frame_svg(stepper, k)}</div>')
    note_html = f'<p style="color:#666"><i>{html.escape(note)}</i></p>' if note else ""
    return (f'<div id="{uid}" class="gg-stepper">{note_html}'
            f'<div><button class="gg-prev">previous</button> '
            f'<button class="gg-next">next</button> '
            f'<input type="range" min="0" max="{n}" value="{current}" style="width:300px"> '
            f'<span class="gg-position">step {current}/{n}</span></div>'
            + "".join(frames) + "</div>" + _SCRIPT % {"id": uid})


def stepper_page(stepper, title="glassgrad stepper"):
    """`stepper_html` wrapped in a complete HTML document."""
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}"
            f"</title></head><body>{stepper_html(stepper)}</body></html>\n")


class StaticStepperView:
    """What `stepper.widget()` shows without ipywidgets, and the static copy that the live
    widget carries: Jupyter, nbviewer and exported HTML display `stepper_html` (with its
    plain-JavaScript slider); GitHub displays the current frame."""

    def __init__(self, stepper, note=""):
        self.stepper = stepper
        self.note = note

    def _repr_html_(self):
        return stepper_html(self.stepper, self.note)

    def __repr__(self):
        return f"<static view of {self.stepper!r}>"


def stepper_widget(stepper):
    """An ipywidgets.VBox that moves `stepper` (BackwardStepper / ForwardStepper) through its
    steps.

    Previous / next buttons, a slider, the step's text and the graph as SVG. Moving the
    slider moves the stepper itself (and so the leaves' .grad). The widget's output also
    carries a static HTML copy of every frame with a plain-JavaScript slider, which is what
    GitHub, nbviewer and exported HTML show, since they cannot run widgets.
    ``stepper.widget()`` calls it.

    Parameters
    ----------
    stepper : BackwardStepper or ForwardStepper
        The stepper to show and move.

    Returns
    -------
    ipywidgets.VBox or StaticStepperView
        The live widget (its ``stepper`` attribute is the stepper, ``controls`` the
        buttons and slider); without ipywidgets, a `StaticStepperView` (all frames, a
        plain-JS slider) that notebooks display as HTML. Without Graphviz's `dot`, each
        frame shows how to install it instead of the drawing.
    """
    try:
        import ipywidgets as w
    except ImportError:
        return StaticStepperView(stepper, note="ipywidgets is not installed: this is a static "
                                               "view of every step (pip install ipywidgets "
                                               "for the live widget)")
    n = len(stepper)
    back = w.Button(description="previous", icon="step-backward", layout=w.Layout(width="110px"))
    forward = w.Button(description="next", icon="step-forward", layout=w.Layout(width="110px"))
    slider = w.IntSlider(value=stepper.position, min=0, max=n, description="step",
                         continuous_update=False, layout=w.Layout(width="420px"))
    picture = w.HTML()
    text = w.HTML()

    def show(k):
        stepper.goto(k)
        picture.value = _frame_svg(stepper, k)
        text.value = f"<pre>{html.escape(stepper.describe(k))}</pre>"
        back.disabled = k == 0
        forward.disabled = k == n

    def on_slide(change):
        show(change["new"])

    def on_back(_):
        slider.value = max(0, slider.value - 1)

    def on_forward(_):
        slider.value = min(n, slider.value + 1)

    slider.observe(on_slide, names="value")
    back.on_click(on_back)
    forward.on_click(on_forward)
    show(stepper.position)
    box = _widget_class(w)([w.HBox([back, forward, slider]), text, picture])
    box.stepper = stepper           # handy in a notebook: widget.stepper.current
    box.controls = (back, forward, slider)
    return box


_classes = {}


def _widget_class(w):
    """A VBox whose display data also holds the static page, for viewers without widgets."""
    cls = _classes.get("box")
    if cls is None:
        class StepperWidget(w.VBox):
            def _repr_mimebundle_(self, **kwargs):
                bundle = super()._repr_mimebundle_(**kwargs)
                data = bundle[0] if isinstance(bundle, tuple) else bundle
                if data is not None:
                    data["text/html"] = stepper_html(self.stepper)
                return bundle
        cls = _classes["box"] = StepperWidget
    return cls
