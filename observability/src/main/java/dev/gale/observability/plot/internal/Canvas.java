package dev.gale.observability.plot.internal;

/**
 * What a plot draws on: an SVG document or a PNG image, in pixels from the top left corner.
 * Colors are {@code 0xRRGGBB}; opacity from 0 to 1.
 */
public sealed interface Canvas permits SvgCanvas, PngCanvas {
    /** Text anchoring. */
    enum Anchor { START, MIDDLE, END }

    void line(double x1, double y1, double x2, double y2, int color, double width, double opacity);

    void polyline(double[] xs, double[] ys, int n, int color, double width, double opacity);

    void circle(double x, double y, double r, int color, double opacity);

    void rect(double x, double y, double w, double h, int color, double opacity);

    /** Text with its baseline at {@code y}; {@code rotate} in degrees (-90: reads upwards). */
    void text(double x, double y, String s, double size, Anchor anchor, int color, double rotate);

    /** The finished file. */
    byte[] finish();
}
