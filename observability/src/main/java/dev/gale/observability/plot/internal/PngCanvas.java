package dev.gale.observability.plot.internal;

import javax.imageio.ImageIO;
import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** A {@link Canvas} that draws with Java2D (headless) and encodes a PNG. */
public final class PngCanvas implements Canvas {
    private final BufferedImage image;
    private final Graphics2D g;

    public PngCanvas(int width, int height) {
        image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
    }

    private void paint(int color, double opacity) {
        g.setColor(new Color(color & 0xffffff));
        g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) Math.max(0, Math.min(1, opacity))));
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, int color, double width, double opacity) {
        paint(color, opacity);
        g.setStroke(new BasicStroke((float) width));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int count, int color, double width, double opacity) {
        if (count < 2) return;
        paint(color, opacity);
        g.setStroke(new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < count; i++) p.lineTo(xs[i], ys[i]);
        g.draw(p);
    }

    @Override
    public void circle(double x, double y, double r, int color, double opacity) {
        paint(color, opacity);
        g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
    }

    @Override
    public void rect(double x, double y, double w, double h, int color, double opacity) {
        paint(color, opacity);
        g.fill(new Rectangle2D.Double(x, y, w, h));
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, int color, double rotate) {
        paint(color, 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, (int) Math.round(size)));
        int w = g.getFontMetrics().stringWidth(s);
        double dx = switch (anchor) { case START -> 0; case MIDDLE -> -w / 2.0; case END -> -w; };
        var saved = g.getTransform();
        g.translate(x, y);
        if (rotate != 0) g.rotate(Math.toRadians(rotate));
        g.drawString(s, (float) dx, 0f);
        g.setTransform(saved);
    }

    @Override
    public byte[] finish() {
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("PNG encoding failed: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
