package dev.heed.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The multipart/form-data reader on hand-written bodies: fields, quoting, binary content, and every malformed case. */
class MultipartTest {
    static byte[] b(String s) { return s.getBytes(StandardCharsets.ISO_8859_1); }

    @Test
    void readsFieldsAndFiles() {
        byte[] body = b("preamble\r\n--AaB03x\r\nContent-Disposition: form-data; name=\"conf\"\r\n\r\n0.5\r\n"
                + "--AaB03x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a \\\"b\\\".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                + "\u00ff\u00d8\r\n--Aa\r\n\u00ff\u00d9\r\n--AaB03x--\r\nepilogue");
        Multipart m = Multipart.parse("multipart/form-data; boundary=\"AaB03x\"", body);
        assertEquals(2, m.parts().size());
        assertEquals("0.5", m.part("conf").text());
        Multipart.Part img = m.part("image");
        assertEquals("a \"b\".jpg", img.filename());
        assertEquals("image/jpeg", img.contentType());
        assertArrayEquals(b("\u00ff\u00d8\r\n--Aa\r\n\u00ff\u00d9"), img.data(), "CRLF and a boundary prefix inside the data are data");
        assertNull(m.part("missing"));
        assertEquals("x", Multipart.parse("multipart/form-data; charset=utf-8; boundary=q", b("--q\r\nContent-Disposition: form-data; name=x\r\n\r\nx\r\n--q--")).part("x").text());
    }

    @Test
    void malformedBodiesAreBadRequests() {
        String ct = "multipart/form-data; boundary=q";
        String[][] cases = {
            {"multipart/form-data", "--q\r\n", "boundary parameter"},
            {"multipart/form-data; boundary=", "--q\r\n", "boundary parameter"},
            {ct, "no boundary here", "no boundary line"},
            {ct, "--qX", "does not end with CRLF"},
            {ct, "--q\r\nContent-Disposition: form-data; name=a\r\n", "headers do not end"},
            {ct, "--q\r\nContent-Disposition: form-data; name=a\r\n\r\ndata", "before the closing boundary"},
            {ct, "--q\r\nContent-Type: text/plain\r\n\r\ndata\r\n--q--", "no Content-Disposition with a name"},
        };
        for (String[] c : cases) {
            ApiException e = assertThrows(ApiException.class, () -> Multipart.parse(c[0], b(c[1])), c[1]);
            assertEquals(400, e.status);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= Multipart.MAX_PARTS; i++) many.append("--q\r\nContent-Disposition: form-data; name=f").append(i).append("\r\n\r\nv\r\n");
        many.append("--q--");
        assertTrue(assertThrows(ApiException.class, () -> Multipart.parse(ct, b(many.toString()))).getMessage().contains("more than"));
    }
}
