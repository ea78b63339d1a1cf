"""See the graph: DOT/SVG drawings of the autograd graph and a backward pass you can step.

    from glassgrad import autograd as ag
    a = ag.tensor(2.0, requires_grad=True); a.name = "a"
    loss = (a * 3.0).tanh()
    ag.viz.to_dot(loss)                 # DOT text, no graphviz needed
    ag.viz.draw(loss)                   # graphviz.Digraph, shown inline in Jupyter
    ag.viz.render(loss, "loss.svg")     # writes exactly loss.svg (needs `dot`)
    s = ag.viz.BackwardStepper(loss)    # the engine's backward, one node at a time
    s.next(); print(s.describe()); s.widget()
    ag.viz.render_program(step, "step.svg")   # a step captured by glassgrad.compile

The styles are described in `ag.viz.dot` (LEGEND).
"""
from .dot import (GraphvizNotFoundError, Overlay, draw, graph_to_dot, render, svg, to_dot)
from .dot import __doc__ as LEGEND
from .graph import Graph, build_graph
from .stepper import BackwardStepper, ForwardStepper, Step, Stepper
from .widget import stepper_widget

# drawings of a captured program (glassgrad.compile)
from .program import draw_program, program_svg, program_to_dot, render_program

__all__ = ["to_dot", "draw", "render", "svg", "graph_to_dot", "build_graph", "Graph", "Overlay",
           "BackwardStepper", "ForwardStepper", "Step", "Stepper", "stepper_widget",
           "GraphvizNotFoundError", "LEGEND"]
__all__ += ["program_to_dot", "draw_program", "program_svg", "render_program"]
