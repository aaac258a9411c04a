package dev.gale.observability.dashboard;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * {@code .ci/run} installs) driven through Selenium; tests are skipped with a message saying so
 * when either is missing.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String DRIVER = "/usr/bin/chromedriver";
    /** Every plot on the page. */
    static final List<String> PLOTS = List.of("history", "curves", "parcoords", "importance", "contour", "slice", "pareto");

    final WebDriver driver;
    private final Path profile;

    private Browser(WebDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static Browser open() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(DRIVER)),
                "skipped: no headless Chromium here (" + CHROMIUM + " and " + DRIVER
                        + "): install Debian's chromium and chromium-driver (.ci/run does)");
        Path profile = Files.createTempDirectory("gale-chromium");
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=1400,2400");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER))
                .usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, o), profile);
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    /** Waits up to {@code seconds} for {@code condition} to be true (not null/false); fails saying what it waited for. */
    <T> T await(String what, int seconds, Function<WebDriver, T> condition) {
        // the page re-renders its tables as live events come: an element found may be replaced before it is read
        return new WebDriverWait(driver, Duration.ofSeconds(seconds)).withMessage(() -> "waited " + seconds + " s for " + what)
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    /** The rendered text of the first element matching {@code css}, read in one step (null when none). */
    String text(String css) {
        return (String) js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css);
    }

    /** Waits until the page has loaded its first experiment and drawn every plot. */
    void awaitDrawn(int seconds) {
        await("the page to load and draw " + PLOTS, seconds, d -> Boolean.TRUE.equals(js(
                "if (window.galeError) throw new Error(window.galeError);"
                        + "return window.galeLoaded === true && arguments[0].every(p => window.galeDrawn[p] === true);", PLOTS)));
    }

    /** The pixels drawn (alpha > 0) in the canvases of plot {@code name}. */
    long paintedPixels(String name) {
        Object n = js("let n = 0; document.querySelectorAll('#plot-' + arguments[0] + ' canvas').forEach(c => {"
                + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                + " for (let i = 3; i < d.length; i += 4) if (d[i]) n++; }); return n;", name);
        return ((Number) n).longValue();
    }

    /** Writes a screenshot to {@code target/screenshots/name.png}. */
    Path screenshot(String name) throws IOException {
        Path dir = Path.of("target", "screenshots");
        Files.createDirectories(dir);
        Path f = dir.resolve(name + ".png");
        Files.write(f, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        return f;
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        } finally {
            try (var s = Files.walk(profile)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
