package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/feedpub/feedpub/config"
)

// The README is the reference a user reads; these tests hold it to the
// code in both directions: whatever the code accepts is documented, and
// whatever the README names is accepted by the code. Everything checked
// here is derived from the code itself (the Config type, the commands'
// usage, their flag sets, the handler's routes), so a new key, command,
// flag or path fails the test until the README says what it does.

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var backticked = regexp.MustCompile("`([^`\n]+)`")

// tokens returns every backticked span of s.
func tokens(s string) []string {
	var out []string
	for _, m := range backticked.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// codeBlocks returns the bodies of the README's fenced blocks of the given
// language ("" for any).
func codeBlocks(doc, lang string) []string {
	var out []string
	lines := strings.Split(doc, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(l, "```") {
			continue
		}
		blockLang := strings.TrimPrefix(l, "```")
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			body = append(body, lines[i])
		}
		if lang == "" || blockLang == lang {
			out = append(out, strings.Join(body, "\n"))
		}
	}
	return out
}

// keyDocumented reports whether key appears in the README, either whole
// (`feeds[].limit`) or as a leaf named in the same table row as its
// backticked parent (`feeds[].include` ... `categories`).
func keyDocumented(doc, key string) bool {
	if strings.Contains(doc, "`"+key+"`") {
		return true
	}
	i := strings.LastIndex(key, ".")
	if i < 0 {
		return false
	}
	parent, leaf := key[:i], key[i+1:]
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "|") && strings.Contains(line, "`"+parent+"`") && strings.Contains(line, "`"+leaf+"`") {
			return true
		}
	}
	return false
}

// knownKey reports whether path (a key or a parent of keys, with "[]" for
// list elements) names something the configuration accepts.
func knownKey(keys []string, path string) bool {
	for _, k := range keys {
		if k == path || strings.HasPrefix(k, path+".") || strings.HasPrefix(k, path+"[].") {
			return true
		}
	}
	return false
}

func TestREADMEDocumentsEveryConfigKey(t *testing.T) {
	doc := readme(t)
	keys := config.Keys()
	for _, k := range keys {
		if !keyDocumented(doc, k) {
			t.Errorf("configuration key %q is accepted by the code but not documented in README.md", k)
		}
	}
	// Every key the README's configuration tables name must be accepted.
	keyLike := regexp.MustCompile(`^(sources|feeds)\[\]\.[a-z_.]+$|^author\.[a-z_]+$`)
	inConfigTable := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| key |") {
			inConfigTable = true
			continue
		}
		if !strings.HasPrefix(line, "|") {
			inConfigTable = false
		}
		for _, tok := range tokens(line) {
			if keyLike.MatchString(tok) && !knownKey(keys, tok) {
				t.Errorf("README.md names configuration key %q, which the code refuses", tok)
			}
		}
		if inConfigTable {
			cell := strings.SplitN(strings.TrimPrefix(line, "|"), "|", 2)[0]
			for _, tok := range tokens(cell) {
				if !knownKey(keys, tok) {
					t.Errorf("README.md's configuration table names key %q, which the code refuses", tok)
				}
			}
		}
	}
}

// TestREADMEConfigExamplesLoad checks every YAML block in the README
// against the configuration's keys, so an example cannot use a key that
// does not exist (or has been renamed).
func TestREADMEConfigExamplesLoad(t *testing.T) {
	doc := readme(t)
	keys := config.Keys()
	blocks := codeBlocks(doc, "yaml")
	if len(blocks) == 0 {
		t.Fatal("README.md has no yaml example")
	}
	for i, b := range blocks {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(b), &n); err != nil {
			t.Errorf("yaml block %d does not parse: %v", i, err)
			continue
		}
		walkYAMLKeys(&n, "", func(path string, line int) {
			if !knownKey(keys, path) {
				t.Errorf("yaml block %d line %d: key %q is not a configuration key", i, line, path)
			}
		})
	}
}

func walkYAMLKeys(n *yaml.Node, prefix string, visit func(path string, line int)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkYAMLKeys(c, prefix, visit)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			path := n.Content[i].Value
			if prefix != "" {
				path = prefix + "." + path
			}
			visit(path, n.Content[i].Line)
			walkYAMLKeys(n.Content[i+1], path, visit)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind == yaml.MappingNode {
				walkYAMLKeys(c, prefix+"[]", visit)
			}
		}
	}
}

// commands lists the commands the program's usage text names.
func commands(t *testing.T) []string {
	t.Helper()
	_, after, ok := strings.Cut(usage, "Commands:\n")
	if !ok {
		t.Fatal("usage has no Commands: section")
	}
	var out []string
	for _, line := range strings.Split(after, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			break
		}
		out = append(out, f[0])
	}
	return out
}

var flagLine = regexp.MustCompile(`(?m)^  -([a-zA-Z0-9][a-zA-Z0-9-]*)`)

// commandFlags asks a command for its help and returns the flags it lists.
func commandFlags(t *testing.T, args ...string) []string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	_ = run(t.Context(), append(args, "-h"), &stdout, &stderr)
	var out []string
	for _, m := range flagLine.FindAllStringSubmatch(stderr.String()+stdout.String(), -1) {
		out = append(out, m[1])
	}
	return out
}

func TestREADMEDocumentsEveryCommandAndFlag(t *testing.T) {
	doc := readme(t)
	cmds := commands(t)
	if len(cmds) < 5 {
		t.Fatalf("found only %v in the usage text", cmds)
	}
	flagsOf := map[string][]string{}
	for _, c := range cmds {
		// Each command answers -h; one that does not exist would fail here.
		var stdout, stderr bytes.Buffer
		err := run(t.Context(), []string{c, "-h"}, &stdout, &stderr)
		if exitCode(err) == 2 {
			t.Errorf("usage lists command %q, which run refuses: %v", c, err)
		}
		if !regexp.MustCompile("`feedpub " + regexp.QuoteMeta(c) + "[ `]").MatchString(doc) {
			t.Errorf("command %q is not documented in README.md (no `feedpub %s ...`)", c, c)
		}
		args := []string{c}
		if c == "ledger" {
			args = []string{"ledger", "export"}
		}
		flagsOf[c] = commandFlags(t, args...)
		for _, f := range flagsOf[c] {
			if !regexp.MustCompile(`(^|[\s\x60(\[|,])-` + regexp.QuoteMeta(f) + `($|[\s\x60)\]|,=])`).MatchString(doc) {
				t.Errorf("flag -%s of %q is not documented in README.md", f, c)
			}
		}
	}
	if len(flagsOf["build"]) == 0 || !slices.Contains(flagsOf["build"], "config") {
		t.Fatalf("could not read build's flags: %v", flagsOf["build"])
	}

	// Every command line in the README's shell examples and Commands table
	// must name a real command, with flags that command takes.
	cmdLine := regexp.MustCompile(`(?:^|[\s\x60|])feedpub ([a-z]+)((?: [^\x60|\n#]*)?)`)
	var lines []string
	for _, b := range codeBlocks(doc, "sh") {
		lines = append(lines, strings.Split(b, "\n")...)
	}
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(line, "| `feedpub ") {
			lines = append(lines, line)
		}
	}
	checked := 0
	for _, line := range lines {
		for _, m := range cmdLine.FindAllStringSubmatch(line, -1) {
			c := m[1]
			if !slices.Contains(cmds, c) {
				t.Errorf("README.md runs %q, which is not a feedpub command: %s", "feedpub "+c, strings.TrimSpace(line))
				continue
			}
			checked++
			for _, f := range strings.Fields(m[2]) {
				f = strings.Trim(f, "[]")
				if !strings.HasPrefix(f, "-") || f == "-" {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
				if !slices.Contains(flagsOf[c], name) {
					t.Errorf("README.md gives %q flag %s, which it does not take: %s", "feedpub "+c, f, strings.TrimSpace(line))
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no feedpub command line in README.md")
	}
}

// routedPaths returns the fixed paths the HTTP handler routes, read from
// its source: case labels and ServeMux patterns that are paths.
func routedPaths(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../feed/httpfeed/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("httpfeed sources: %v", err)
	}
	var paths []string
	add := func(lit *ast.BasicLit) {
		if lit == nil || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return
		}
		if _, p, ok := strings.Cut(s, " "); ok && strings.ToUpper(s[:1]) == s[:1] {
			s = p // "GET /healthz"
		}
		if strings.HasPrefix(s, "/") && !slices.Contains(paths, s) {
			paths = append(paths, s)
		}
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CaseClause:
				for _, e := range n.List {
					lit, _ := e.(*ast.BasicLit)
					add(lit)
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if ok && (sel.Sel.Name == "Handle" || sel.Sel.Name == "HandleFunc") && len(n.Args) > 0 {
					lit, _ := n.Args[0].(*ast.BasicLit)
					add(lit)
				}
			}
			return true
		})
	}
	return paths
}

func TestREADMEDocumentsEveryHTTPPath(t *testing.T) {
	doc := readme(t)
	paths := routedPaths(t)
	for _, want := range []string{"/healthz", "/metrics"} {
		if !slices.Contains(paths, want) {
			t.Fatalf("routedPaths found %v, without %s: the reader of the handler's source is out of date", paths, want)
		}
	}
	for _, p := range paths {
		if p == "/" {
			continue // the index page, documented with the serve command
		}
		if !strings.Contains(doc, "`"+p+"`") && !strings.Contains(doc, "`GET "+p+"`") {
			t.Errorf("HTTP path %s is served but not documented in README.md", p)
		}
	}
	// Every file a build publishes is served: its path must match a
	// pattern of the HTTP table (with archives on, to publish every kind).
	patterns := httpTablePatterns(t, doc)
	site := buildExamplesWith(t, func(config string) string {
		edited := strings.Replace(config, "    limit: 50\n", "    limit: 2\n    archive: true\n", 1)
		if edited == config {
			t.Fatal("the example configuration has no feed with limit: 50 to archive")
		}
		return edited
	})
	public := filepath.Join(site, "public")
	published := 0
	err := filepath.WalkDir(public, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, _ := filepath.Rel(public, p)
		urlPath := "/" + filepath.ToSlash(rel)
		published++
		if !slices.ContainsFunc(patterns, func(re *regexp.Regexp) bool { return re.MatchString(urlPath) }) {
			t.Errorf("a build publishes %s, which no row of README.md's HTTP table describes", urlPath)
		}
		return nil
	})
	if err != nil || published < 10 {
		t.Fatalf("walked %d published files: %v", published, err)
	}

	// Paths the README's HTTP table names must be routed, or be documents
	// a build publishes (written with a {placeholder}).
	_, section, ok := strings.Cut(doc, "\n## HTTP endpoints")
	if !ok {
		t.Fatal("README.md has no \"## HTTP endpoints\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cell := strings.SplitN(strings.TrimPrefix(line, "|"), "|", 2)[0]
		for _, tok := range tokens(cell) {
			tok = strings.TrimPrefix(strings.TrimPrefix(tok, "GET "), "HEAD ")
			if !strings.HasPrefix(tok, "/") || strings.Contains(tok, "{") {
				continue
			}
			if _, err := os.Stat(filepath.Join(public, filepath.FromSlash(tok))); !slices.Contains(paths, tok) && err != nil {
				t.Errorf("README.md's HTTP table names %s, which the handler does not route and a build of the examples does not publish", tok)
			}
		}
	}
}

// httpTablePatterns turns the paths in README.md's HTTP table into
// patterns: {slug} stands for any text, other placeholders for one segment.
func httpTablePatterns(t *testing.T, doc string) []*regexp.Regexp {
	t.Helper()
	_, section, ok := strings.Cut(doc, "\n## HTTP endpoints")
	if !ok {
		t.Fatal("README.md has no \"## HTTP endpoints\" section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	placeholder := regexp.MustCompile(`\\\{[a-z_]+\\\}`)
	var out []*regexp.Regexp
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		for _, tok := range tokens(line) {
			if !strings.HasPrefix(tok, "/") || strings.ContainsAny(tok, " <") {
				continue
			}
			// A slug may hold folders; any other placeholder is one segment.
			expr := placeholder.ReplaceAllStringFunc(regexp.QuoteMeta(tok), func(p string) string {
				if p == `\{slug\}` {
					return ".+"
				}
				return "[^/]+"
			})
			out = append(out, regexp.MustCompile("^"+expr+"$"))
		}
	}
	if len(out) < 5 {
		t.Fatalf("found only %d paths in README.md's HTTP table", len(out))
	}
	return out
}

// TestREADMEDocumentsEveryMetric reads the metric names the code registers
// and wants each in README.md.
func TestREADMEDocumentsEveryMetric(t *testing.T) {
	doc := readme(t)
	var names []string
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != "../.." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			key, _ := kv.Key.(*ast.Ident)
			lit, _ := kv.Value.(*ast.BasicLit)
			if key == nil || key.Name != "Name" || lit == nil || lit.Kind != token.STRING {
				return true
			}
			if v, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(v, "feedpub_") {
				names = append(names, v)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 5 {
		t.Fatalf("found only %v", names)
	}
	for _, n := range names {
		if !strings.Contains(doc, "`"+n+"`") {
			t.Errorf("metric %s is exported but not documented in README.md", n)
		}
	}
}

// TestREADMENamesEveryFuzzTarget wants each fuzz target named in README.md,
// where developers look for how to run them.
func TestREADMENamesEveryFuzzTarget(t *testing.T) {
	doc := readme(t)
	target := regexp.MustCompile(`(?m)^func (Fuzz[A-Za-z0-9_]*)\(`)
	found := 0
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "../.." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range target.FindAllSubmatch(src, -1) {
			found++
			if !strings.Contains(doc, "`"+string(m[1])+"`") {
				t.Errorf("fuzz target %s (%s) is not named in README.md", m[1], p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 5 {
		t.Fatalf("found only %d fuzz targets", found)
	}
}

// TestREADMENamesOnlyExistingTests checks the tests the README's
// guarantees rest on: each one it names must exist.
func TestREADMENamesOnlyExistingTests(t *testing.T) {
	doc := readme(t)
	var sources strings.Builder
	err := filepath.WalkDir("../..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "../.." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, "_test.go") {
			src, err := os.ReadFile(p)
			sources.Write(src)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`((?:Test|Fuzz)[A-Za-z0-9_]+)`").FindAllStringSubmatch(doc, -1)
	if len(named) < 10 {
		t.Fatalf("README.md names only %d tests", len(named))
	}
	for _, m := range named {
		if !strings.Contains(sources.String(), "func "+m[1]+"(") {
			t.Errorf("README.md names %s, which no test file defines", m[1])
		}
	}
}
