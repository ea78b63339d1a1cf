"""A Jupyter widget over a stepper: previous / next buttons, a slider over the positions, the
graph as SVG and the step's text. ipywidgets is optional and imported only here, when asked
for; without it use `stepper.trace()` and `stepper.save_svgs(folder)`."""
import html

from .dot import GraphvizNotFoundError


def stepper_widget(stepper):
    """An ipywidgets.VBox that moves `stepper` (BackwardStepper / ForwardStepper) through its
    steps. Moving the slider moves the stepper itself (and so the leaves' .grad)."""
    try:
        import ipywidgets as w
    except ImportError:
        raise ImportError("the stepper widget needs ipywidgets (pip install ipywidgets); "
                          "without it, print(stepper.trace()) and stepper.save_svgs(folder) "
                          "show the same walk") from None
    n = len(stepper)
    back = w.Button(description="previous", icon="step-backward", layout=w.Layout(width="110px"))
    forward = w.Button(description="next", icon="step-forward", layout=w.Layout(width="110px"))
    slider = w.IntSlider(value=stepper.position, min=0, max=n, description="step",
                         continuous_update=False, layout=w.Layout(width="420px"))
    picture = w.HTML()
    text = w.HTML()

    def show(k):
        stepper.goto(k)
        try:
            picture.value = stepper.svg(k)
        except GraphvizNotFoundError as e:
            picture.value = f"<i>{html.escape(str(e))}</i>"
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
    box = w.VBox([w.HBox([back, forward, slider]), text, picture])
    box.stepper = stepper           # handy in a notebook: widget.stepper.current
    box.controls = (back, forward, slider)
    return box
