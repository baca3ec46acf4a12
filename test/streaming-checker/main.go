// Command streaming-checker drives exec, port-forward and logs through a real kube-apiserver with
// client-go's own streaming clients, so the test kubelet (test/kubelet) and, later, kubegen's
// TypeScript clients can be checked against what client-go does. One subcommand per run; the
// answer is one JSON object on stdout (exit status 0 unless the checker itself is misused).
//
//	exec       --kubeconfig K --namespace N --pod P [--container C] [--stdin TEXT] [--tty] -- ARGV...
//	           remotecommand.NewWebSocketExecutor (v5.channel.k8s.io): {"stdout","stderr","exitCode","error"}
//	attach     --kubeconfig K --namespace N --pod P [--container C] --stdin TEXT --until TEXT
//	           pods/attach over NewWebSocketExecutor: sends TEXT, keeps stdin open until stdout
//	           holds --until, then closes it: {"stdout","stderr","error"}
//	portforward --kubeconfig K --namespace N --pod P --port PORT --send TEXT
//	           portforward over portforward.NewSPDYOverWebsocketDialer: {"received","protocol","error"}
//	logs       --kubeconfig K --namespace N --pod P [--container C] [--follow] [--until TEXT] [--query k=v&...]
//	           GET pods/log as a stream: {"body","error"}
//	handshake  --kubeconfig K --path /api/v1/... --protocols a,b,...
//	           a bare WebSocket upgrade: {"status","protocol","error"}
//	rawexec    --kubeconfig K --path /api/v1/.../exec?... [--stdin TEXT] [--resize WxH]
//	           the v5.channel.k8s.io frames the server sends: {"protocol","frames":[{"channel","data"}]};
//	           --resize first sends {"Width":W,"Height":H} on the resize channel (4)
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/websocket"
	utilexec "k8s.io/utils/exec"
)

type options struct {
	kubeconfig, namespace, pod, container, stdin, send, until, query, path, protocols, resize string
	port                                                                                      int
	tty, follow                                                                               bool
	timeout                                                                                   time.Duration
	argv                                                                                      []string
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var o options
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig (required)")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of the pod")
	fs.StringVar(&o.pod, "pod", "", "pod name")
	fs.StringVar(&o.container, "container", "", "container name")
	fs.StringVar(&o.stdin, "stdin", "", "text sent on stdin (exec, rawexec); stdin is opened only when set")
	fs.BoolVar(&o.tty, "tty", false, "exec with a terminal")
	fs.IntVar(&o.port, "port", 0, "pod port to forward")
	fs.StringVar(&o.send, "send", "", "bytes to send through the forwarded port")
	fs.BoolVar(&o.follow, "follow", false, "follow the log")
	fs.StringVar(&o.until, "until", "", "stop reading the log once it contains this text")
	fs.StringVar(&o.query, "query", "", "extra pods/log query parameters, URL-encoded")
	fs.StringVar(&o.path, "path", "", "request path with query (handshake, rawexec)")
	fs.StringVar(&o.protocols, "protocols", "", "comma-separated WebSocket subprotocols to offer (handshake)")
	fs.StringVar(&o.resize, "resize", "", "terminal size WIDTHxHEIGHT sent first on the resize channel (rawexec)")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Second, "overall deadline")
	_ = fs.Parse(os.Args[2:])
	o.argv = fs.Args()
	if o.kubeconfig == "" {
		usage()
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		answer(map[string]any{"error": err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	switch os.Args[1] {
	case "exec":
		answer(execCommand(ctx, cfg, o))
	case "attach":
		answer(attach(ctx, cfg, o))
	case "portforward":
		answer(portForward(ctx, cfg, o))
	case "logs":
		answer(logs(ctx, cfg, o))
	case "handshake":
		answer(handshake(cfg, o))
	case "rawexec":
		answer(rawExec(ctx, cfg, o))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: streaming-checker exec|portforward|logs|handshake|rawexec --kubeconfig FILE [flags] (see main.go)")
	os.Exit(2)
}

func answer(v any) {
	_ = json.NewEncoder(os.Stdout).Encode(v)
}

func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

func execCommand(ctx context.Context, cfg *rest.Config, o options) map[string]any {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	req := client.CoreV1().RESTClient().Post().Resource("pods").Namespace(o.namespace).Name(o.pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: o.container, Command: o.argv,
			Stdin: o.stdin != "", Stdout: true, Stderr: !o.tty, TTY: o.tty,
		}, scheme.ParameterCodec)
	exec, err := remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	var stdout, stderr bytes.Buffer
	streams := remotecommand.StreamOptions{Stdout: &stdout, Tty: o.tty}
	if !o.tty {
		streams.Stderr = &stderr
	}
	if o.stdin != "" {
		streams.Stdin = strings.NewReader(o.stdin)
	}
	err = exec.StreamWithContext(ctx, streams)
	code := 0
	var exitErr utilexec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitStatus()
	} else if err != nil {
		code = -1
	}
	return map[string]any{"stdout": stdout.String(), "stderr": stderr.String(), "exitCode": code, "error": errText(err)}
}

// syncBuffer is a bytes.Buffer that signals when it first contains a text.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	until string
	seen  chan struct{}
	once  sync.Once
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if b.until != "" && strings.Contains(b.buf.String(), b.until) {
		b.once.Do(func() { close(b.seen) })
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// gatedReader yields text, then blocks until gate closes, then reports EOF.
type gatedReader struct {
	text []byte
	gate <-chan struct{}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.text) > 0 {
		n := copy(p, g.text)
		g.text = g.text[n:]
		return n, nil
	}
	<-g.gate
	return 0, io.EOF
}

func attach(ctx context.Context, cfg *rest.Config, o options) map[string]any {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	req := client.CoreV1().RESTClient().Post().Resource("pods").Namespace(o.namespace).Name(o.pod).SubResource("attach").
		VersionedParams(&corev1.PodAttachOptions{Container: o.container, Stdin: true, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	exec, err := remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	stdout := &syncBuffer{until: o.until, seen: make(chan struct{})}
	var stderr syncBuffer
	gate := make(chan struct{})
	go func() {
		select {
		case <-stdout.seen:
		case <-ctx.Done():
		}
		close(gate)
	}()
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{
		Stdin: &gatedReader{text: []byte(o.stdin), gate: gate}, Stdout: stdout, Stderr: &stderr})
	return map[string]any{"stdout": stdout.String(), "stderr": stderr.String(), "error": errText(err)}
}

func portForward(ctx context.Context, cfg *rest.Config, o options) map[string]any {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	u := client.CoreV1().RESTClient().Post().Resource("pods").Namespace(o.namespace).Name(o.pod).SubResource("portforward").URL()
	dialer, err := portforward.NewSPDYOverWebsocketDialer(u, cfg)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	// Record the protocol the tunnel negotiated.
	recorder := &recordingDialer{inner: dialer}
	stop, ready := make(chan struct{}), make(chan struct{})
	var pfOut, pfErr bytes.Buffer
	pf, err := portforward.New(recorder, []string{fmt.Sprintf("0:%d", o.port)}, stop, ready, &pfOut, &pfErr)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	failed := make(chan error, 1)
	go func() { failed <- pf.ForwardPorts() }()
	defer close(stop)
	select {
	case <-ready:
	case err := <-failed:
		return map[string]any{"error": fmt.Sprintf("port-forward ended before it was ready: %v", err), "protocol": recorder.protocol}
	case <-ctx.Done():
		return map[string]any{"error": "timed out waiting for port-forward to be ready"}
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		return map[string]any{"error": fmt.Sprintf("no local port: %v", err)}
	}
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local))
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	if _, err := io.WriteString(conn, o.send); err != nil {
		return map[string]any{"error": err.Error(), "protocol": recorder.protocol}
	}
	got := make([]byte, len(o.send))
	n, err := io.ReadFull(conn, got)
	return map[string]any{"received": string(got[:n]), "protocol": recorder.protocol, "error": errText(err), "forwarderErrors": pfErr.String()}
}

// recordingDialer remembers the protocol the server chose (without the SPDY/3.1+ tunnel prefix).
type recordingDialer struct {
	inner    httpstream.Dialer
	protocol string
}

func (d *recordingDialer) Dial(protocols ...string) (httpstream.Connection, string, error) {
	conn, protocol, err := d.inner.Dial(protocols...)
	if err == nil {
		d.protocol = protocol
	}
	return conn, protocol, err
}

func logs(ctx context.Context, cfg *rest.Config, o options) map[string]any {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	req := client.CoreV1().Pods(o.namespace).GetLogs(o.pod, &corev1.PodLogOptions{Container: o.container, Follow: o.follow})
	if o.query != "" {
		extra, err := url.ParseQuery(o.query)
		if err != nil {
			return map[string]any{"error": err.Error()}
		}
		for k, vs := range extra {
			for _, v := range vs {
				req.Param(k, v)
			}
		}
	}
	stream, err := req.Stream(ctx)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	defer stream.Close()
	var body bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := stream.Read(buf)
		body.Write(buf[:n])
		if o.until != "" && strings.Contains(body.String(), o.until) {
			return map[string]any{"body": body.String(), "error": nil}
		}
		if err == io.EOF {
			return map[string]any{"body": body.String(), "error": nil}
		}
		if err != nil {
			return map[string]any{"body": body.String(), "error": err.Error()}
		}
	}
}

func dialRaw(cfg *rest.Config, path string, protocols []string) (*gwebsocket.Conn, error) {
	rt, holder, err := websocket.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(strings.TrimSuffix(cfg.Host, "/") + path)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	return websocket.Negotiate(rt, holder, req, protocols...)
}

func handshake(cfg *rest.Config, o options) map[string]any {
	conn, err := dialRaw(cfg, o.path, strings.Split(o.protocols, ","))
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	defer conn.Close()
	return map[string]any{"status": http.StatusSwitchingProtocols, "protocol": conn.Subprotocol(), "error": nil}
}

func rawExec(ctx context.Context, cfg *rest.Config, o options) map[string]any {
	conn, err := dialRaw(cfg, o.path, []string{"v5.channel.k8s.io"})
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetReadDeadline(deadline)
	}
	if o.resize != "" {
		var w, h uint16
		if _, err := fmt.Sscanf(o.resize, "%dx%d", &w, &h); err != nil {
			return map[string]any{"error": fmt.Sprintf("--resize %q: %v", o.resize, err)}
		}
		size, _ := json.Marshal(map[string]uint16{"Width": w, "Height": h})
		_ = conn.WriteMessage(gwebsocket.BinaryMessage, append([]byte{4}, size...))
	}
	if o.stdin != "" {
		// Channel 0 is stdin; in v5, a close frame [255, 0] half-closes it.
		_ = conn.WriteMessage(gwebsocket.BinaryMessage, append([]byte{0}, o.stdin...))
		_ = conn.WriteMessage(gwebsocket.BinaryMessage, []byte{255, 0})
	}
	type frame struct {
		Channel int    `json:"channel"`
		Data    string `json:"data"`
	}
	var frames []frame
	for {
		kind, msg, err := conn.ReadMessage()
		if err != nil {
			var ce *gwebsocket.CloseError
			closed := errors.As(err, &ce)
			res := map[string]any{"protocol": conn.Subprotocol(), "frames": frames}
			if closed {
				res["close"] = map[string]any{"code": ce.Code, "text": ce.Text}
			} else {
				res["error"] = err.Error()
			}
			return res
		}
		if kind != gwebsocket.BinaryMessage || len(msg) == 0 {
			frames = append(frames, frame{Channel: -1, Data: string(msg)})
			continue
		}
		frames = append(frames, frame{Channel: int(msg[0]), Data: string(msg[1:])})
	}
}
