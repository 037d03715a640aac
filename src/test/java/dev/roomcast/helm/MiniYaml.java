package dev.roomcast.helm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML that {@code helm template} produces for this chart into maps, lists and scalars, so that
 * the tests can assert on the manifests' structure.
 *
 * <p>Neither SnakeYAML nor Jackson's YAML module is on the test classpath, and a dependency is not worth it for
 * this: the input is Kubernetes manifests rendered from our own templates. Supported: {@code ---} documents,
 * comments, block mappings and sequences (including sequences at their key's indentation and compact
 * {@code - key: value} items), literal block scalars ({@code |}, {@code |-}, {@code |+}), double- and
 * single-quoted scalars, flow collections, and plain scalars resolved as in YAML 1.2's core schema
 * (null, booleans, integers, floats, strings). Anything else (anchors, tags, folded scalars, multi-line
 * flow or quoted scalars) is rejected with an exception rather than misread, and so are duplicate keys,
 * which Kubernetes would reject too.
 */
final class MiniYaml {

    private final String[] raw;
    private final int[] indent;
    private final String[] text;
    private int pos;

    private MiniYaml(List<String> lines) {
        int n = lines.size();
        raw = lines.toArray(new String[0]);
        indent = new int[n];
        text = new String[n];
        for (int i = 0; i < n; i++) {
            String line = raw[i];
            indent[i] = indentOf(line);
            if (indent[i] < line.length() && line.charAt(indent[i]) == '\t' && !line.isBlank()) {
                throw new IllegalArgumentException("tab in indentation, line " + (i + 1) + ": " + line);
            }
            text[i] = line.substring(indent[i]).stripTrailing();
        }
    }

    /** Every non-empty document of a multi-document stream, in order. */
    static List<Object> loadAll(String yaml) {
        List<Object> documents = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String line : yaml.split("\r?\n", -1)) {
            if (line.equals("---") || line.startsWith("--- ")) {
                addDocument(documents, current);
                current = new ArrayList<>();
            } else {
                current.add(line);
            }
        }
        addDocument(documents, current);
        return documents;
    }

    private static void addDocument(List<Object> documents, List<String> lines) {
        Object document = new MiniYaml(lines).parseDocument();
        if (document != null) {
            documents.add(document);
        }
    }

    private Object parseDocument() {
        skipInsignificant();
        if (pos >= raw.length) {
            return null;
        }
        Object node = parseNode(indent[pos]);
        skipInsignificant();
        if (pos < raw.length) {
            throw error("unexpected content");
        }
        return node;
    }

    private Object parseNode(int nodeIndent) {
        String t = text[pos];
        if (isSequenceItem(t)) {
            return parseSequence(nodeIndent);
        }
        if (keyColon(t) >= 0) {
            return parseMapping(nodeIndent);
        }
        pos++;
        return inlineValue(t);
    }

    private List<Object> parseSequence(int seqIndent) {
        List<Object> list = new ArrayList<>();
        while (true) {
            skipInsignificant();
            if (pos >= raw.length || indent[pos] < seqIndent) {
                return list;
            }
            if (indent[pos] > seqIndent) {
                throw error("bad indentation in sequence");
            }
            String t = text[pos];
            if (!isSequenceItem(t)) {
                return list;
            }
            if (t.equals("-")) {
                pos++;
                skipInsignificant();
                list.add(pos < raw.length && indent[pos] > seqIndent ? parseNode(indent[pos]) : null);
            } else {
                // "- content": re-read this line as "content", indented where the content starts.
                String rest = t.substring(1);
                int restIndent = seqIndent + 1 + indentOf(rest);
                indent[pos] = restIndent;
                text[pos] = rest.strip();
                list.add(parseNode(restIndent));
            }
        }
    }

    private Map<String, Object> parseMapping(int mapIndent) {
        Map<String, Object> map = new LinkedHashMap<>();
        while (true) {
            skipInsignificant();
            if (pos >= raw.length || indent[pos] < mapIndent) {
                return map;
            }
            if (indent[pos] > mapIndent) {
                throw error("bad indentation in mapping");
            }
            String t = text[pos];
            if (isSequenceItem(t)) {
                return map;
            }
            int colon = keyColon(t);
            if (colon < 0) {
                throw error("expected 'key: value'");
            }
            String key = scalarKey(t.substring(0, colon).strip());
            String rest = t.substring(colon + 1).strip();
            if (map.containsKey(key)) {
                throw error("duplicate key '" + key + "'");
            }
            pos++;
            Object value;
            if (rest.isEmpty() || rest.startsWith("#")) {
                skipInsignificant();
                if (pos < raw.length && indent[pos] > mapIndent) {
                    value = parseNode(indent[pos]);
                } else if (pos < raw.length && indent[pos] == mapIndent && isSequenceItem(text[pos])) {
                    value = parseSequence(mapIndent);
                } else {
                    value = null;
                }
            } else if (rest.startsWith("|")) {
                value = blockScalar(rest, mapIndent);
            } else {
                value = inlineValue(rest);
            }
            map.put(key, value);
        }
    }

    /** A literal block scalar: the lines indented deeper than its key, with the header's chomping applied. */
    private String blockScalar(String header, int parentIndent) {
        String h = header.replaceFirst("\\s+#.*$", "");
        if (!h.matches("\\|[-+]?[1-9]?|\\|[1-9][-+]")) {
            throw error("unsupported block scalar header '" + header + "'");
        }
        char chomp = h.contains("-") ? '-' : h.contains("+") ? '+' : 'c';
        String digits = h.replaceAll("[^1-9]", "");
        int contentIndent = -1;
        if (!digits.isEmpty()) {
            contentIndent = parentIndent + Integer.parseInt(digits);
        }
        List<String> lines = new ArrayList<>();
        while (pos < raw.length) {
            String line = raw[pos];
            boolean blank = line.strip().isEmpty();
            if (!blank && indent[pos] <= parentIndent) {
                break;
            }
            if (!blank && contentIndent < 0) {
                contentIndent = indent[pos];
            }
            if (!blank && indent[pos] < contentIndent) {
                throw error("block scalar line indented less than its first line");
            }
            lines.add(blank ? (contentIndent >= 0 && line.length() > contentIndent ? line.substring(contentIndent) : "")
                    : line.substring(contentIndent));
            pos++;
        }
        StringBuilder content = new StringBuilder();
        for (String line : lines) {
            content.append(line).append('\n');
        }
        String s = content.toString();
        if (chomp == '+') {
            return s;
        }
        String stripped = s.replaceAll("\n+$", "");
        return chomp == '-' || stripped.isEmpty() ? stripped : stripped + "\n";
    }

    /** A value written on the same line as its key or dash: quoted, flow or plain. */
    private Object inlineValue(String s) {
        Cursor c = new Cursor(s);
        Object value = c.flowValue(false);
        c.skipSpaces();
        if (!c.atEnd() && c.peek() != '#') {
            throw error("unexpected characters after value: '" + s.substring(c.i) + "'");
        }
        return value;
    }

    private String scalarKey(String k) {
        if (k.startsWith("\"") || k.startsWith("'")) {
            Object v = inlineValue(k);
            return String.valueOf(v);
        }
        return k;
    }

    /** Index of the colon ending the key of a "key: value" or "key:" line, or -1. */
    private static int keyColon(String t) {
        int i = 0;
        if (t.startsWith("\"") || t.startsWith("'")) {
            char q = t.charAt(0);
            i = 1;
            while (i < t.length() && t.charAt(i) != q) {
                i += t.charAt(i) == '\\' && q == '"' ? 2 : 1;
            }
            i++;
        } else if (t.startsWith("[") || t.startsWith("{") || t.startsWith("#")) {
            return -1;
        }
        for (; i < t.length(); i++) {
            if (t.charAt(i) == ':' && (i + 1 == t.length() || t.charAt(i + 1) == ' ')) {
                return i;
            }
            if (t.charAt(i) == ' ' && i + 1 < t.length() && t.charAt(i + 1) == '#') {
                return -1;
            }
        }
        return -1;
    }

    private static boolean isSequenceItem(String t) {
        return t.equals("-") || t.startsWith("- ");
    }

    private void skipInsignificant() {
        while (pos < raw.length && (text[pos].isEmpty() || text[pos].startsWith("#"))) {
            pos++;
        }
    }

    private static int indentOf(String s) {
        int i = 0;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private IllegalArgumentException error(String message) {
        int line = Math.min(pos, raw.length - 1);
        return new IllegalArgumentException(message + " at line " + (line + 1) + ": " + (line >= 0 ? raw[line] : ""));
    }

    /** Plain scalars as in YAML 1.2's core schema. */
    static Object resolvePlain(String s) {
        switch (s) {
            case "", "~", "null", "Null", "NULL":
                return null;
            case "true", "True", "TRUE":
                return Boolean.TRUE;
            case "false", "False", "FALSE":
                return Boolean.FALSE;
            default:
                break;
        }
        if (s.matches("[-+]?[0-9]+")) {
            long l = Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
            return l == (int) l ? (Object) (int) l : (Object) l;
        }
        if (s.matches("[-+]?([0-9]+\\.[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return Double.parseDouble(s);
        }
        return s;
    }

    /** Scanner for the part of a line after "key:" or "- ". */
    private final class Cursor {
        final String s;
        int i;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return i >= s.length();
        }

        char peek() {
            return s.charAt(i);
        }

        void skipSpaces() {
            while (!atEnd() && s.charAt(i) == ' ') {
                i++;
            }
        }

        Object flowValue(boolean inFlow) {
            skipSpaces();
            if (atEnd()) {
                return null;
            }
            char c = peek();
            switch (c) {
                case '"':
                    return doubleQuoted();
                case '\'':
                    return singleQuoted();
                case '[':
                    return flowSequence();
                case '{':
                    return flowMapping();
                case '&', '*', '!', '>', '|', '%', '@', '`':
                    throw error("unsupported YAML construct '" + c + "'");
                default:
                    return plain(inFlow);
            }
        }

        private Object plain(boolean inFlow) {
            int start = i;
            while (!atEnd()) {
                char c = peek();
                if (c == '#' && i > start && s.charAt(i - 1) == ' ') {
                    break;
                }
                if (inFlow && (c == ',' || c == ']' || c == '}' || (c == ':' && (i + 1 == s.length() || s.charAt(i + 1) == ' ')))) {
                    break;
                }
                i++;
            }
            return resolvePlain(s.substring(start, i).strip());
        }

        private String doubleQuoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                if (atEnd()) {
                    throw error("unterminated double-quoted scalar");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '0' -> b.append('\0');
                    case 'a' -> b.append('\u0007');
                    case 'b' -> b.append('\b');
                    case 't', '\t' -> b.append('\t');
                    case 'n' -> b.append('\n');
                    case 'v' -> b.append('\u000b');
                    case 'f' -> b.append('\f');
                    case 'r' -> b.append('\r');
                    case 'e' -> b.append('\u001b');
                    case ' ', '"', '/', '\\' -> b.append(e);
                    case 'N' -> b.append('\u0085');
                    case '_' -> b.append('\u00a0');
                    case 'L' -> b.append('\u2028');
                    case 'P' -> b.append('\u2029');
                    case 'x' -> b.appendCodePoint(hex(2));
                    case 'u' -> b.appendCodePoint(hex(4));
                    case 'U' -> b.appendCodePoint(hex(8));
                    default -> throw error("unknown escape '\\" + e + "'");
                }
            }
        }

        private int hex(int digits) {
            int cp = Integer.parseInt(s.substring(i, i + digits), 16);
            i += digits;
            return cp;
        }

        private String singleQuoted() {
            StringBuilder b = new StringBuilder();
            i++;
            while (true) {
                if (atEnd()) {
                    throw error("unterminated single-quoted scalar");
                }
                char c = s.charAt(i++);
                if (c == '\'') {
                    if (!atEnd() && peek() == '\'') {
                        b.append('\'');
                        i++;
                    } else {
                        return b.toString();
                    }
                } else {
                    b.append(c);
                }
            }
        }

        private List<Object> flowSequence() {
            List<Object> list = new ArrayList<>();
            i++;
            skipSpaces();
            if (!atEnd() && peek() == ']') {
                i++;
                return list;
            }
            while (true) {
                list.add(flowValue(true));
                skipSpaces();
                if (atEnd()) {
                    throw error("unterminated flow sequence");
                }
                char c = s.charAt(i++);
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw error("expected ',' or ']' in flow sequence");
                }
            }
        }

        private Map<String, Object> flowMapping() {
            Map<String, Object> map = new LinkedHashMap<>();
            i++;
            skipSpaces();
            if (!atEnd() && peek() == '}') {
                i++;
                return map;
            }
            while (true) {
                String key = String.valueOf(flowValue(true));
                skipSpaces();
                if (atEnd() || s.charAt(i++) != ':') {
                    throw error("expected ':' in flow mapping");
                }
                if (map.containsKey(key)) {
                    throw error("duplicate key '" + key + "'");
                }
                map.put(key, flowValue(true));
                skipSpaces();
                if (atEnd()) {
                    throw error("unterminated flow mapping");
                }
                char c = s.charAt(i++);
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw error("expected ',' or '}' in flow mapping");
                }
            }
        }
    }
}
