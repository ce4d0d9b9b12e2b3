package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import dev.heed.text.TextEncoder;
import dev.heed.text.TextEncoderOptions;
import dev.heed.vision.Classifier;
import dev.heed.vision.Detections;
import dev.heed.vision.Detector;
import dev.heed.vision.Images;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web playground in a real browser: Selenium WebDriver drives Debian's headless {@code chromium} through
 * {@code chromedriver} (both paths given explicitly, so Selenium Manager never looks for or downloads anything; the
 * flags are those of heed-models' viewer tests). Three states, each checked in the DOM against the in-process models
 * and by a screenshot that must not be blank: a sentence's attention drawn by the {@code attention.html} viewer with
 * the tokenizer's tokens; similarity scores equal to the in-process cosines; {@code bus.jpg} uploaded to the test
 * detector, drawn with its boxes and a table row per detection. The browser's console must stay free of errors.
 * Fails (never skips) when chromium or chromedriver is missing. Screenshots are kept in {@code target/playground}.
 */
class PlaygroundBrowserTest {
    static final Duration WAIT = Duration.ofSeconds(90);

    static Path executable(String env, String... candidates) {
        List<String> all = new ArrayList<>();
        if (System.getenv(env) != null) all.add(System.getenv(env));
        all.addAll(List.of(candidates));
        for (String p : all) if (Files.isExecutable(Path.of(p))) return Path.of(p);
        return fail("not installed: " + all + "; the playground test needs Debian's chromium and chromium-driver "
                + "(bin/test installs them) or " + env);
    }

    @Test
    void playgroundShowsAttentionSimilarityAndDetections(@TempDir Path tmp) throws Exception {
        Path chromium = executable("HEED_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser");
        Path driverExe = executable("HEED_CHROMEDRIVER", "/usr/bin/chromedriver");
        Path shots = Path.of("target", "playground");
        Files.createDirectories(shots);
        Path bus = VisionRoutesTest.image("bus.jpg").toAbsolutePath();
        try (TextEncoder enc = TextEncoder.defaultModel(TextEncoderOptions.defaults(Http.CACHE));
             Detector det = Detector.open(VisionRoutesTest.DETECTOR);
             Classifier cls = Classifier.open(VisionRoutesTest.CLASSIFIER);
             HeedServer server = HeedServer.start(enc, VisionModels.none().withDetector(det, "rtdetr_tiny").withClassifier(cls, "vit"),
                     ServerConfig.defaults().withPort(0))) {
            ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driverExe.toFile())
                    .usingAnyFreePort().withLogFile(tmp.resolve("chromedriver.log").toFile()).build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--user-data-dir=" + Files.createDirectories(tmp.resolve("profile")), "--window-size=1400,1600");
            LoggingPreferences logs = new LoggingPreferences();
            logs.enable(LogType.BROWSER, Level.ALL);
            options.setCapability("goog:loggingPrefs", logs);
            WebDriver d = null;
            try {
                d = new ChromeDriver(service, options);
                d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
                WebDriver driver = d;
                d.get(server.uri() + "/");
                until(d, x -> "true".equals(body(x, "ready")), "the page's script ran");
                until(d, x -> !x.findElement(By.id("info")).getText().startsWith("loading"), "model info shown");
                assertTrue(d.findElement(By.id("info")).getText().contains("rtdetr_tiny"), d.findElement(By.id("info")).getText());

                // 1. attention: the viewer of attention.html, with the tokenizer's tokens
                String sentence = "The quick brown fox jumps over the lazy dog.";
                WebElement text = d.findElement(By.id("attn-text"));
                text.clear();
                text.sendKeys(sentence);
                d.findElement(By.id("attn-run")).click();
                until(d, x -> "ok".equals(body(x, "attention")) || "error".equals(body(x, "attention")), "the attention view loaded");
                assertEquals("ok", body(d, "attention"), () -> driver.findElement(By.id("attn-status")).getText());
                d.switchTo().frame(d.findElement(By.id("attn-frame")));
                until(d, x -> "ok".equals(body(x, "rendered")) || "failed".equals(body(x, "rendered")), "the viewer rendered");
                assertEquals("ok", body(d, "rendered"));
                assertEquals("0", body(d, "errors"), "viewer script errors");
                List<String> want = List.of(enc.tokenizer().encode(sentence).tokens());
                List<String> shown = new ArrayList<>();
                for (WebElement t : d.findElements(By.cssSelector("#head-svg text.tok[data-side='from']"))) shown.add(t.getText());
                assertEquals(want, shown, "the head view lists the tokenizer's tokens");
                assertEquals(String.valueOf(want.size()), body(d, "tokens"));
                assertEquals("6", body(d, "layers"));
                assertEquals("12", body(d, "heads"));
                assertTrue(Integer.parseInt(body(d, "headLines")) > 0, "attention lines are drawn");
                d.switchTo().defaultContent();
                screenshot(d, shots.resolve("1-attention.png"), 40);

                // 2. similarity: one sentence against several
                String source = "A man is playing a guitar.";
                List<String> sentences = List.of("Someone plays an instrument.", "A chef cuts vegetables.", "Stock prices fell sharply.");
                d.findElement(By.id("sim-source")).clear();
                d.findElement(By.id("sim-source")).sendKeys(source);
                d.findElement(By.id("sim-sentences")).clear();
                d.findElement(By.id("sim-sentences")).sendKeys(String.join("\n", sentences));
                d.findElement(By.id("sim-run")).click();
                until(d, x -> "ok".equals(body(x, "similarity")) || "error".equals(body(x, "similarity")), "similarity scores shown");
                assertEquals("ok", body(d, "similarity"), () -> driver.findElement(By.id("sim-status")).getText());
                Map<String, Double> scores = new LinkedHashMap<>();
                for (WebElement row : d.findElements(By.cssSelector("#sim-table tr.score"))) {
                    List<WebElement> cells = row.findElements(By.tagName("td"));
                    scores.put(cells.get(0).getText(), Double.parseDouble(cells.get(1).getText()));
                }
                assertEquals(Set.copyOf(sentences), scores.keySet());
                float[] src = enc.embed(source);
                for (String s : sentences) assertEquals(TextEncoder.cosine(src, enc.embed(s)), scores.get(s), 6e-5, s);
                assertEquals(sentences.getFirst(), scores.keySet().iterator().next(), "best match first: " + scores);
                screenshot(d, shots.resolve("2-similarity.png"), 40);

                // 3. detection: bus.jpg with the test detector, boxes drawn and a table row per box
                d.findElement(By.id("img-file")).sendKeys(bus.toString());
                d.findElement(By.id("det-run")).click();
                until(d, x -> "ok".equals(body(x, "detect")) || "error".equals(body(x, "detect")), "detections shown");
                assertEquals("ok", body(d, "detect"), () -> driver.findElement(By.id("img-status")).getText());
                Detections ref = det.detect(Images.read(bus));
                List<WebElement> rows = d.findElements(By.cssSelector("#det-table tr.detection"));
                assertEquals(ref.size(), rows.size(), "a table row per detection");
                assertTrue(ref.size() > 0);
                for (int i = 0; i < ref.size(); i++) {
                    List<WebElement> cells = rows.get(i).findElements(By.tagName("td"));
                    assertEquals(ref.get(i).name() + " (" + ref.get(i).classId() + ")", cells.get(1).getText());
                    assertEquals(ref.get(i).x1(), Double.parseDouble(cells.get(3).getText()), 0.051);
                    assertEquals(ref.get(i).y2(), Double.parseDouble(cells.get(6).getText()), 0.051);
                }
                Object size = ((JavascriptExecutor) d).executeScript(
                        "const c = document.getElementById('det-canvas'); return [c.width, c.height, c.hidden];");
                assertEquals(List.of(810L, 1080L, false), size, "the image is drawn at its size");
                // the left edge of the last box drawn (nothing is drawn over it but its own tag, at its top) has its
                // class colour: the palette of the annotated JPEG; the stroke is 3 px wide here, so floor(x1) is covered
                int k = -1;
                for (int i = 0; i < ref.size(); i++) {
                    var r = ref.get(i);
                    if (r.x1() >= 2 && r.x1() <= 806 && r.y2() - r.y1() > 60 && r.y1() >= 0 && r.y2() <= 1080) k = i;
                }
                assertTrue(k >= 0, "a box whose left edge lies inside the image");
                var box = ref.get(k);
                Object pixel = ((JavascriptExecutor) d).executeScript("const c = document.getElementById('det-canvas');"
                        + "const p = c.getContext('2d').getImageData(arguments[0], arguments[1], 1, 1).data; return [p[0], p[1], p[2]];",
                        (long) Math.floor(box.x1()), (long) Math.floor((box.y1() + box.y2()) / 2 + 20));
                java.awt.Color colour = dev.heed.vision.Annotator.colorOf(box.classId());
                assertEquals(List.of((long) colour.getRed(), (long) colour.getGreen(), (long) colour.getBlue()), pixel, "box " + k + " colour on its edge");
                assertTrue(d.findElement(By.id("det-summary")).getText().startsWith("bus.jpg: 640x640"), d.findElement(By.id("det-summary")).getText());
                screenshot(d, shots.resolve("3-detections.png"), 200);

                assertEquals("0", body(d, "errors"), "playground script errors");
                List<String> severe = new ArrayList<>();
                for (LogEntry e : d.manage().logs().get(LogType.BROWSER)) {
                    if (e.getLevel().intValue() >= Level.WARNING.intValue()) severe.add(e.getLevel() + " " + e.getMessage());
                }
                assertEquals(List.of(), severe, "browser console");
            } finally {
                if (d != null) d.quit();
                service.stop();
            }
        }
    }

    static String body(WebDriver d, String key) {
        return d.findElement(By.tagName("body")).getDomAttribute("data-" + key.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT));
    }

    static void until(WebDriver d, Function<WebDriver, Boolean> done, String what) {
        try {
            new WebDriverWait(d, WAIT, Duration.ofMillis(100)).until(done::apply);
        } catch (org.openqa.selenium.TimeoutException e) {
            fail("waited " + WAIT.toSeconds() + " s for: " + what);
        }
    }

    /** Saves a screenshot and checks it is not blank: at least {@code minColours} distinct colours. */
    static void screenshot(WebDriver d, Path file, int minColours) throws Exception {
        byte[] png = ((TakesScreenshot) d).getScreenshotAs(OutputType.BYTES);
        Files.write(file, png);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) colours.add(img.getRGB(x, y) & 0xffffff);
        System.out.printf("%s: %dx%d, %d colours%n", file.getFileName(), img.getWidth(), img.getHeight(), colours.size());
        assertTrue(colours.size() >= minColours, file + " looks blank: " + colours.size() + " colours");
    }
}
