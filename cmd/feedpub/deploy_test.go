package main

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// The deployment guide's files (docs/deploy/) are copied by users into
// systems this repository's CI does not run: systemd, a container engine,
// Kubernetes. TestDeployFiles holds them to the code instead: every feedpub
// command line they run names a real command with flags it takes, every
// configuration they hand feedpub loads (with only the environment they
// give it) and builds, every folder feedpub writes is writable there, and
// every probe and port names what serve answers.

const deployDir = "../../docs/deploy"

// deployment is what one layout's files tell feedpub: the command lines it
// runs, the configuration files it finds at their paths, the environment
// variables it sets, and the folders it may write.
type deployment struct {
	lines   []string
	configs map[string][]byte // by the path the process sees
	env     []string          // variable names the deployment sets
	// writable holds the folders feedpub may write, for every
	// configuration; nil when each is checked against its own unit.
	writable []string
	// mounted holds the folders with files from outside the image
	// (Kubernetes volumes); nil when not known.
	mounted []string
}

func TestDeployFiles(t *testing.T) {
	cmds := commands(t)
	flagsOf := map[string][]string{}
	for _, c := range cmds {
		args := []string{c}
		if c == "ledger" {
			args = []string{"ledger", "export"}
		}
		flagsOf[c] = commandFlags(t, args...)
	}
	grace := serveGraceDefault(t)

	layouts := map[string]deployment{
		"systemd":    systemdDeployment(t, grace),
		"container":  containerDeployment(t),
		"kubernetes": kubernetesDeployment(t, grace),
	}
	for name, d := range layouts {
		t.Run(name, func(t *testing.T) {
			if len(d.lines) == 0 || len(d.configs) == 0 {
				t.Fatalf("found %d command lines and %d configurations", len(d.lines), len(d.configs))
			}
			for _, line := range d.lines {
				if n := checkCommandLines(t, name, line, cmds, flagsOf); n != 1 {
					t.Errorf("%s: %q holds %d feedpub command lines, want 1", name, line, n)
				}
				path := flagValue(line, "config")
				if _, ok := d.configs[path]; !ok {
					t.Errorf("%s: %q reads the configuration %q, which its files do not provide", name, line, path)
				}
			}
			for path, data := range d.configs {
				checkDeployConfig(t, name, path, data, d)
			}
		})
	}

	t.Run("guide", func(t *testing.T) {
		doc, err := os.ReadFile("../../docs/deployment.md")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range codeBlocks(string(doc), "sh") {
			for _, line := range strings.Split(b, "\n") {
				n += checkCommandLines(t, "docs/deployment.md", line, cmds, flagsOf)
			}
		}
		if n < 4 {
			t.Errorf("docs/deployment.md runs only %d feedpub command lines", n)
		}
		checkGuideLinks(t, string(doc))
		src, err := os.ReadFile("deploy_test.go")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile("`(Test[A-Za-z0-9_]+)`").FindAllStringSubmatch(string(doc), -1) {
			if !bytes.Contains(src, []byte("func "+m[1]+"(")) {
				t.Errorf("docs/deployment.md names %s, which is not the test of its files", m[1])
			}
		}
		// README.md links the guide, and only to headings it has.
		readmeLinks := regexp.MustCompile(`\]\(docs/deployment\.md(?:#([^)]*))?\)`).FindAllStringSubmatch(readme(t), -1)
		if len(readmeLinks) == 0 {
			t.Error("README.md does not link docs/deployment.md")
		}
		for _, m := range readmeLinks {
			if m[1] != "" && !slices.Contains(headingAnchors(string(doc)), m[1]) {
				t.Errorf("README.md links docs/deployment.md#%s, which has no heading with that anchor", m[1])
			}
		}
	})
}

// feedpubLine finds feedpub command lines, the binary named by its path or
// by its name: "/usr/local/bin/feedpub serve -config FILE".
var feedpubLine = regexp.MustCompile(`(?:^|[\s\x60|"'])(?:[^\s:]*/)?feedpub ([a-z]+)((?: [^\x60|\n#"]*)?)`)

// checkCommandLines checks each feedpub command line in line against the
// commands and their flags, and returns how many it found.
func checkCommandLines(t *testing.T, where, line string, cmds []string, flagsOf map[string][]string) int {
	t.Helper()
	found := 0
	for _, m := range feedpubLine.FindAllStringSubmatch(line, -1) {
		found++
		c := m[1]
		if !slices.Contains(cmds, c) {
			t.Errorf("%s runs %q, which is not a feedpub command: %s", where, "feedpub "+c, strings.TrimSpace(line))
			continue
		}
		for _, f := range strings.Fields(m[2]) {
			if !strings.HasPrefix(f, "-") || f == "-" {
				continue
			}
			name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
			if !slices.Contains(flagsOf[c], name) {
				t.Errorf("%s gives %q flag %s, which it does not take: %s", where, "feedpub "+c, f, strings.TrimSpace(line))
			}
		}
	}
	return found
}

// flagValue returns the value a command line gives flag name.
func flagValue(line, name string) string {
	f := strings.Fields(line)
	for i, a := range f {
		if a == "-"+name && i+1 < len(f) {
			return f[i+1]
		}
		if v, ok := strings.CutPrefix(a, "-"+name+"="); ok {
			return v
		}
	}
	return ""
}

// serveGraceDefault reads serve's default -grace from its help.
func serveGraceDefault(t *testing.T) time.Duration {
	t.Helper()
	var stdout, stderr bytes.Buffer
	_ = run(t.Context(), []string{"serve", "-h"}, &stdout, &stderr)
	m := regexp.MustCompile(`-grace duration\n[^\n]*\(default ([^)]+)\)`).FindStringSubmatch(stderr.String() + stdout.String())
	if m == nil {
		t.Fatal("serve -h shows no default for -grace")
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// unitSettings reads the [Service] settings of a systemd unit file, each
// key with its values in order.
func unitSettings(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = l
		case section == "[Service]":
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("%s: %q is not a setting", path, l)
			}
			out[k] = append(out[k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// systemdSeconds parses a systemd time span such as "30s", "15min" or "30".
func systemdSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(strings.Replace(v, "min", "m", 1))
	if err != nil {
		t.Fatalf("time span %q: %v", v, err)
	}
	return d
}

func systemdDeployment(t *testing.T, grace time.Duration) deployment {
	t.Helper()
	dir := filepath.Join(deployDir, "systemd")
	units, _ := filepath.Glob(filepath.Join(dir, "*.service"))
	if len(units) < 2 {
		t.Fatalf("found %v", units)
	}
	d := deployment{configs: map[string][]byte{}}
	for _, u := range units {
		s := unitSettings(t, u)
		for _, line := range s["ExecStart"] {
			d.lines = append(d.lines, line)
			path := flagValue(line, "config")
			data, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
			if err != nil {
				t.Errorf("%s reads %s: %v", u, path, err)
				continue
			}
			for _, cd := range s["ConfigurationDirectory"] {
				if filepath.Dir(path) != "/etc/"+cd {
					t.Errorf("%s: the configuration %s is not in its ConfigurationDirectory /etc/%s", u, path, cd)
				}
			}
			d.configs[path] = data
			if strings.Contains(line, " serve ") {
				if !slices.ContainsFunc(s["ExecReload"], func(v string) bool { return strings.Contains(v, "-HUP") }) {
					t.Errorf("%s: ExecReload does not send SIGHUP, on which serve reloads", u)
				}
				var stop time.Duration
				for _, v := range s["TimeoutStopSec"] {
					stop = systemdSeconds(t, v)
				}
				if stop <= grace {
					t.Errorf("%s: TimeoutStopSec %v leaves serve less than its %v grace period", u, stop, grace)
				}
			}
		}
		// Each unit's writable folders are checked against the
		// configurations of that unit only, here.
		var w []string
		for _, v := range s["StateDirectory"] {
			for _, name := range strings.Fields(v) {
				w = append(w, "/var/lib/"+name)
			}
		}
		for _, v := range s["CacheDirectory"] {
			for _, name := range strings.Fields(v) {
				w = append(w, "/var/cache/"+name)
			}
		}
		for _, v := range s["ReadWritePaths"] {
			for _, p := range strings.Fields(v) {
				w = append(w, strings.TrimPrefix(p, "-"))
			}
		}
		if s["ProtectSystem"] == nil || s["ProtectSystem"][0] != "strict" {
			t.Errorf("%s: ProtectSystem is not strict", u)
		}
		for _, line := range s["ExecStart"] {
			path := flagValue(line, "config")
			if data, ok := d.configs[path]; ok {
				checkWritable(t, u, path, data, w, nil)
			}
		}
	}
	return d
}

// dockerfile reads a Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T, path string) [][2]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		op, arg, _ := strings.Cut(l, " ")
		out = append(out, [2]string{strings.ToUpper(op), strings.TrimSpace(arg)})
	}
	return out
}

func containerDeployment(t *testing.T) deployment {
	t.Helper()
	dir := filepath.Join(deployDir, "container")
	d := deployment{configs: map[string][]byte{}}
	var goImage, binary, entrypoint, user string
	var cmd []string
	stage := 0
	for _, in := range dockerfile(t, filepath.Join(dir, "Dockerfile")) {
		op, arg := in[0], in[1]
		switch op {
		case "FROM":
			stage++
			if stage == 1 {
				goImage = strings.Fields(arg)[0]
			}
		case "RUN":
			if strings.Contains(arg, "go build") {
				if !strings.Contains(arg, "CGO_ENABLED=0") {
					t.Errorf("Dockerfile: the binary is not built with CGO_ENABLED=0: %s", arg)
				}
				binary = strings.TrimPrefix(flagValue(arg, "o"), "/out")
			}
		case "COPY":
			f := strings.Fields(arg)
			if stage > 1 && slices.Contains(f, "--chown=65532:65532") {
				d.writable = append(d.writable, f[len(f)-1])
			}
		case "USER":
			user = arg
		case "ENTRYPOINT":
			var ep []string
			if err := yaml.Unmarshal([]byte(arg), &ep); err != nil || len(ep) != 1 {
				t.Fatalf("Dockerfile: ENTRYPOINT %s: want one JSON string (%v)", arg, err)
			}
			entrypoint = ep[0]
		case "CMD":
			if err := yaml.Unmarshal([]byte(arg), &cmd); err != nil {
				t.Fatalf("Dockerfile: CMD %s: %v", arg, err)
			}
		}
	}
	if stage != 2 {
		t.Errorf("Dockerfile: %d stages, want 2 (build, then run)", stage)
	}
	// The toolchain must be at least the go directive's version.
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindSubmatch(mod)
	got := regexp.MustCompile(`^golang:(\d+)\.(\d+)`).FindStringSubmatch(goImage)
	if want == nil || got == nil {
		t.Fatalf("Dockerfile builds with %q; go.mod: %q", goImage, want)
	}
	wv, _ := strconv.Atoi(string(want[1]) + fmt.Sprintf("%03s", want[2]))
	gv, _ := strconv.Atoi(got[1] + fmt.Sprintf("%03s", got[2]))
	if gv < wv {
		t.Errorf("Dockerfile builds with %s, older than go.mod's go %s.%s", goImage, want[1], want[2])
	}
	if binary == "" || entrypoint != binary {
		t.Errorf("Dockerfile: ENTRYPOINT %q is not the binary built, %q", entrypoint, binary)
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("Dockerfile: the image runs as %q, want a user other than root", user)
	}
	line := entrypoint + " " + strings.Join(cmd, " ")
	d.lines = append(d.lines, line)
	path := flagValue(line, "config")
	data, err := os.ReadFile(filepath.Join(dir, filepath.Base(path)))
	if err != nil {
		t.Fatal(err)
	}
	d.configs[path] = data
	if len(d.writable) == 0 {
		t.Error("Dockerfile: no folder belongs to the image's user")
	}
	return d
}

// k8sDeployment is the part of a Deployment manifest these checks read.
type k8sDeployment struct {
	Spec struct {
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
				Containers                    []struct {
					Command []string `yaml:"command"`
					Args    []string `yaml:"args"`
					Env     []struct {
						Name string `yaml:"name"`
					} `yaml:"env"`
					Ports []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					ReadinessProbe  *k8sProbe `yaml:"readinessProbe"`
					LivenessProbe   *k8sProbe `yaml:"livenessProbe"`
					StartupProbe    *k8sProbe `yaml:"startupProbe"`
					SecurityContext struct {
						ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
					} `yaml:"securityContext"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
						ReadOnly  bool   `yaml:"readOnly"`
					} `yaml:"volumeMounts"`
				} `yaml:"containers"`
				Volumes []struct {
					Name      string `yaml:"name"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sProbe struct {
	HTTPGet *struct {
		Path string    `yaml:"path"`
		Port yaml.Node `yaml:"port"`
	} `yaml:"httpGet"`
	TCPSocket *struct {
		Port yaml.Node `yaml:"port"`
	} `yaml:"tcpSocket"`
}

func kubernetesDeployment(t *testing.T, grace time.Duration) deployment {
	t.Helper()
	path := filepath.Join(deployDir, "kubernetes", "feedpub.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	configMaps := map[string]map[string]string{}
	var deps []k8sDeployment
	var targetPorts []string
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var head struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			break
		}
		if err := n.Decode(&head); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch head.Kind {
		case "ConfigMap":
			var cm struct {
				Data map[string]string `yaml:"data"`
			}
			if err := n.Decode(&cm); err != nil {
				t.Fatal(err)
			}
			configMaps[head.Metadata.Name] = cm.Data
		case "Deployment":
			var dep k8sDeployment
			if err := n.Decode(&dep); err != nil {
				t.Fatal(err)
			}
			deps = append(deps, dep)
		case "Service":
			var svc struct {
				Spec struct {
					Ports []struct {
						TargetPort yaml.Node `yaml:"targetPort"`
					} `yaml:"ports"`
				} `yaml:"spec"`
			}
			if err := n.Decode(&svc); err != nil {
				t.Fatal(err)
			}
			for _, p := range svc.Spec.Ports {
				targetPorts = append(targetPorts, p.TargetPort.Value)
			}
		}
	}
	if len(deps) != 1 || len(deps[0].Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("%s: want one Deployment of one container", path)
	}
	pod := deps[0].Spec.Template.Spec
	c := pod.Containers[0]
	d := deployment{configs: map[string][]byte{}}
	argv := c.Command
	if len(argv) == 0 {
		argv = []string{"feedpub"} // the image's ENTRYPOINT
	}
	line := strings.Join(append(slices.Clone(argv), c.Args...), " ")
	d.lines = append(d.lines, line)
	for _, e := range c.Env {
		d.env = append(d.env, e.Name)
	}
	if !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("the container's root filesystem is not read-only")
	}
	for _, m := range c.VolumeMounts {
		d.mounted = append(d.mounted, m.MountPath)
		if !m.ReadOnly {
			d.writable = append(d.writable, m.MountPath)
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.ConfigMap != nil {
				data, ok := configMaps[v.ConfigMap.Name]
				if !ok {
					t.Errorf("volume %s mounts ConfigMap %s, which the manifest does not define", v.Name, v.ConfigMap.Name)
				}
				for key, text := range data {
					d.configs[m.MountPath+"/"+key] = []byte(text)
				}
			}
		}
	}
	if time.Duration(pod.TerminationGracePeriodSeconds)*time.Second <= grace {
		t.Errorf("terminationGracePeriodSeconds %d leaves serve less than its %v grace period", pod.TerminationGracePeriodSeconds, grace)
	}

	// The port serve listens on is the container's; probes and the
	// Service name it, and probes ask for paths serve answers.
	_, listenPort, _ := strings.Cut(flagValue(line, "listen"), ":")
	var names, numbers []string
	for _, p := range c.Ports {
		names, numbers = append(names, p.Name), append(numbers, strconv.Itoa(p.ContainerPort))
	}
	if !slices.Contains(numbers, listenPort) {
		t.Errorf("serve listens on port %q, which is not a containerPort (%v)", listenPort, numbers)
	}
	isPort := func(n yaml.Node) bool { return slices.Contains(names, n.Value) || slices.Contains(numbers, n.Value) }
	routed := routedPaths(t)
	probes := 0
	for _, p := range []*k8sProbe{c.ReadinessProbe, c.LivenessProbe, c.StartupProbe} {
		switch {
		case p == nil:
		case p.HTTPGet != nil:
			probes++
			if !slices.Contains(routed, p.HTTPGet.Path) {
				t.Errorf("a probe asks for %s, which serve does not route", p.HTTPGet.Path)
			}
			if !isPort(p.HTTPGet.Port) {
				t.Errorf("a probe asks port %q, which the container does not name", p.HTTPGet.Port.Value)
			}
		case p.TCPSocket != nil:
			probes++
			if !isPort(p.TCPSocket.Port) {
				t.Errorf("a probe connects to port %q, which the container does not name", p.TCPSocket.Port.Value)
			}
		}
	}
	// Readiness asks "/", which is 503 only until a snapshot is served:
	// /healthz turns 503 when builds go stale, and would take every
	// replica out of the Service when the leader's builds fail, leaving
	// readers errors instead of the last good feeds.
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/" {
		t.Error("the readiness probe does not ask /")
	}
	if probes < 2 {
		t.Errorf("%d probes, want readiness and liveness", probes)
	}
	for _, p := range targetPorts {
		if !slices.Contains(names, p) && !slices.Contains(numbers, p) {
			t.Errorf("the Service sends to port %q, which the container does not name", p)
		}
	}
	return d
}

// under reports whether path is dir or lies below it.
func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// checkWritable fails unless every folder the configuration makes feedpub
// write lies in one of writable, and, when mounted is given, every source
// folder lies in one of mounted.
func checkWritable(t *testing.T, where, path string, data []byte, writable, mounted []string) {
	t.Helper()
	cfg, err := config.Parse(path, data, func(string) (string, bool) { return "set", true })
	if err != nil {
		t.Errorf("%s: %s: %v", where, path, err)
		return
	}
	written := []string{cfg.Output}
	if !cfg.StateIsPostgres() {
		written = append(written, filepath.Dir(cfg.State)) // the file, its lock and side files
	}
	if cfg.CacheDir != "" {
		written = append(written, cfg.CacheDir)
	}
	if cfg.LedgerFile != "" {
		written = append(written, filepath.Dir(cfg.LedgerFile))
	}
	for _, p := range written {
		if !slices.ContainsFunc(writable, func(w string) bool { return under(p, w) }) {
			t.Errorf("%s: %s makes feedpub write %s, which is not writable there (%v)", where, path, p, writable)
		}
	}
	if mounted == nil {
		return
	}
	for _, s := range cfg.Sources {
		if s.Type != config.TypeFeed && !slices.ContainsFunc(mounted, func(m string) bool { return under(s.Path, m) }) {
			t.Errorf("%s: source %s reads %s, which no volume provides (%v)", where, s.Name, s.Path, mounted)
		}
	}
}

// absValue finds YAML values that are absolute paths.
var absValue = regexp.MustCompile(`(?m)^(\s*(?:- )?[a-z_]+: )(/\S*)`)

// checkDeployConfig loads a deployment's configuration with only the
// environment the deployment sets, checks the folders it writes, and runs
// a build of it in a temporary root standing for the machine's.
func checkDeployConfig(t *testing.T, layout, path string, data []byte, d deployment) {
	t.Helper()
	where := layout + " " + path
	env := func(name string) (string, bool) {
		if slices.Contains(d.env, name) {
			return "set", true
		}
		return "", false
	}
	if _, err := config.Parse(path, data, env); err != nil {
		t.Errorf("%s: does not load with the environment the deployment sets (%v): %v", where, d.env, err)
		return
	}
	if d.writable != nil {
		checkWritable(t, where, path, data, d.writable, d.mounted)
	}

	t.Run("build "+path, func(t *testing.T) {
		root := t.TempDir()
		moved := absValue.ReplaceAll(data, []byte("${1}"+filepath.ToSlash(root)+"${2}"))
		cfg, err := config.Parse(filepath.Join(root, path), moved, env)
		if err != nil {
			t.Fatal(err)
		}
		remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Agency</title><link>https://agency.example.org/</link><description>Wire copy</description>
<item><title>Ferry timetable changes</title><link>https://agency.example.org/ferry</link><guid>https://agency.example.org/ferry</guid><pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate><description>The winter timetable starts on Monday.</description></item>
</channel></rss>`)
		}))
		defer remote.Close()
		articles, err := os.ReadDir("../../examples/articles")
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range cfg.Sources {
			if s.Type == config.TypeFeed {
				cfg.Sources[i].URL = remote.URL + "/feed.xml"
				continue
			}
			if err := os.MkdirAll(s.Path, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, a := range articles {
				b, err := os.ReadFile(filepath.Join("../../examples/articles", a.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(s.Path, a.Name()), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if cfg.StateIsPostgres() {
			cfg.State = pgtest.URL(t)
		}
		var logs bytes.Buffer
		res, err := buildSite(t.Context(), cfg, slog.New(slog.NewTextHandler(&logs, nil)), 30*time.Second)
		if err != nil {
			t.Fatalf("build: %v\n%s", err, logs.String())
		}
		if len(res.Degraded) > 0 {
			t.Errorf("degraded sources: %v", res.Degraded)
		}
		for _, f := range cfg.Feeds {
			for _, ext := range []string{"rss", "atom", "json"} {
				if _, err := os.Stat(filepath.Join(cfg.Output, f.Name+"."+ext)); err != nil {
					t.Errorf("the build did not publish %s.%s: %v", f.Name, ext, err)
				}
			}
		}
		if res.Items == 0 {
			t.Error("the build published no item")
		}
	})
}

// checkGuideLinks wants every relative link of docs/deployment.md to name a
// file that exists, and every #fragment a heading of the file it names.
func checkGuideLinks(t *testing.T, doc string) {
	t.Helper()
	links := regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(doc, -1)
	if len(links) < 10 {
		t.Fatalf("found only %d links in docs/deployment.md", len(links))
	}
	for _, m := range links {
		target := m[1]
		if strings.Contains(target, "://") {
			continue
		}
		file, frag, _ := strings.Cut(target, "#")
		text := doc
		if file != "" {
			p := filepath.Join("../../docs", filepath.FromSlash(file))
			if _, err := os.Stat(p); err != nil {
				t.Errorf("docs/deployment.md links %s, which does not exist", target)
				continue
			}
			if frag == "" {
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			text = string(b)
		}
		if frag != "" && !slices.Contains(headingAnchors(text), frag) {
			t.Errorf("docs/deployment.md links %s, whose file has no heading with that anchor", target)
		}
	}
}

// headingAnchors returns the anchors GitHub gives the Markdown headings of
// doc: lower case, spaces to hyphens, punctuation dropped.
func headingAnchors(doc string) []string {
	var out []string
	inCode := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inCode = !inCode
		}
		if inCode || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.ToLower(strings.TrimSpace(strings.TrimLeft(l, "#")))
		var b strings.Builder
		for _, r := range h {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
				b.WriteRune(r)
			}
		}
		out = append(out, b.String())
	}
	return out
}
