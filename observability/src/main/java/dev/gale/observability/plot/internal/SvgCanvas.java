package dev.gale.observability.plot.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** A {@link Canvas} that writes an SVG 1.1 document. */
public final class SvgCanvas implements Canvas {
    private final StringBuilder sb = new StringBuilder(1 << 16);

    public SvgCanvas(int width, int height) {
        sb.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    }

    private static String c(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    private static String n(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width, double opacity) {
        sb.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2)).append("\" y2=\"")
                .append(n(y2)).append("\" stroke=\"").append(c(color)).append("\" stroke-width=\"").append(n(width))
                .append("\" stroke-opacity=\"").append(n(opacity)).append("\"/>\n");
    }

    @Override
    public void polyline(double[] xs, double[] ys, int count, int color, double width, double opacity) {
        if (count < 2) return;
        sb.append("<polyline fill=\"none\" stroke=\"").append(c(color)).append("\" stroke-width=\"").append(n(width))
                .append("\" stroke-opacity=\"").append(n(opacity)).append("\" points=\"");
        for (int i = 0; i < count; i++) sb.append(n(xs[i])).append(',').append(n(ys[i])).append(' ');
        sb.append("\"/>\n");
    }

    @Override
    public void circle(double x, double y, double r, int color, double opacity) {
        sb.append("<circle cx=\"").append(n(x)).append("\" cy=\"").append(n(y)).append("\" r=\"").append(n(r)).append("\" fill=\"")
                .append(c(color)).append("\" fill-opacity=\"").append(n(opacity)).append("\"/>\n");
    }

    @Override
    public void rect(double x, double y, double w, double h, int color, double opacity) {
        sb.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(w)).append("\" height=\"")
                .append(n(h)).append("\" fill=\"").append(c(color)).append("\" fill-opacity=\"").append(n(opacity)).append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, int color, double rotate) {
        sb.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" font-size=\"").append(n(size))
                .append("\" fill=\"").append(c(color)).append("\" text-anchor=\"")
                .append(switch (anchor) { case START -> "start"; case MIDDLE -> "middle"; case END -> "end"; }).append('"');
        if (rotate != 0) sb.append(" transform=\"rotate(").append(n(rotate)).append(' ').append(n(x)).append(' ').append(n(y)).append(")\"");
        sb.append('>').append(escape(s)).append("</text>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    @Override
    public byte[] finish() {
        sb.append("</svg>\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
