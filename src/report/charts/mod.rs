//! Charts of a run (plotters), as PNG and SVG.
