// The test kubelet's HTTPS paths, the ones kube-apiserver calls (pkg/kubelet/server/server.go
// of Kubernetes v1.36): /exec, /attach and /portForward, served by the kubelet's own streaming
// code (k8s.io/cri-streaming: remotecommand.ServeExec/ServeAttach, portforward.ServePortForward)
// over the local-process runtime of pods.go; /containerLogs with the PodLogOptions query
// parameters; /healthz.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// The kubelet's streaming defaults (cri-streaming's DefaultConfig).
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

type streamServer struct{ rt *podRuntime }

func newStreamServer(rt *podRuntime) *streamServer { return &streamServer{rt: rt} }

func (s *streamServer) mux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	for _, p := range []string{"/exec/{ns}/{pod}/{container}", "/exec/{ns}/{pod}/{uid}/{container}"} {
		m.HandleFunc(p, s.exec)
	}
	for _, p := range []string{"/attach/{ns}/{pod}/{container}", "/attach/{ns}/{pod}/{uid}/{container}"} {
		m.HandleFunc(p, s.attach)
	}
	for _, p := range []string{"/portForward/{ns}/{pod}", "/portForward/{ns}/{pod}/{uid}"} {
		m.HandleFunc(p, s.portForward)
	}
	m.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", s.containerLogs)
	return m
}

func (s *streamServer) findContainer(w http.ResponseWriter, r *http.Request) (*podState, *containerState, bool) {
	ps, ok := s.rt.lookup(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("uid"))
	if !ok {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return nil, nil, false
	}
	c, ok := ps.container(r.PathValue("container"))
	if !ok {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q", r.PathValue("container"), ps.name), http.StatusNotFound)
		return nil, nil, false
	}
	return ps, c, true
}

func (s *streamServer) exec(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ps, c, ok := s.findContainer(w, r)
	if !ok {
		return
	}
	cmd := r.URL.Query()["command"]
	remotecommand.ServeExec(w, r, &executor{rt: s.rt, pod: ps, c: c}, ps.name, string(ps.uid), c.spec.Name, cmd, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (s *streamServer) attach(w http.ResponseWriter, r *http.Request) {
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ps, c, ok := s.findContainer(w, r)
	if !ok {
		return
	}
	remotecommand.ServeAttach(w, r, &attacher{c: c}, ps.name, string(ps.uid), c.spec.Name, opts,
		streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (s *streamServer) portForward(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.rt.lookup(r.PathValue("ns"), r.PathValue("pod"), r.PathValue("uid"))
	if !ok {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return
	}
	// Only the WebSocket form carries ports in the query; SPDY names a port per stream.
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	portforward.ServePortForward(w, r, loopbackForwarder{}, ps.name, string(ps.uid), opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// executor runs an exec request as a local process in the pod's folder.
type executor struct {
	rt  *podRuntime
	pod *podState
	c   *containerState
}

func (e *executor) ExecInContainer(ctx context.Context, _ string, _ string, _ string, argv []string,
	in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	if e.c.current() == nil {
		return fmt.Errorf("container %q in pod %q is not running", e.c.spec.Name, e.pod.name)
	}
	if len(argv) == 0 {
		return errors.New("no command given")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = e.pod.dir
	cmd.Env = containerEnv(e.c.spec)
	cmd.SysProcAttr = processAttrs()
	var copies sync.WaitGroup
	var stdin io.WriteCloser
	if tty {
		cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setpgid, cmd.SysProcAttr.Setctty = true, false, true
		ptmx, err := pty.Start(cmd)
		if err != nil {
			return startFailure(argv, err)
		}
		defer ptmx.Close()
		stdin = ptmx
		if out != nil {
			copies.Add(1)
			go func() { defer copies.Done(); _, _ = io.Copy(out, ptmx) }()
		}
		if resize != nil {
			go func() {
				for size := range resize {
					_ = pty.Setsize(ptmx, &pty.Winsize{Rows: size.Height, Cols: size.Width})
				}
			}()
		}
	} else {
		var err error
		if in != nil {
			if stdin, err = cmd.StdinPipe(); err != nil {
				return err
			}
		}
		// Output goes through pipes this function drains itself: Wait returns when the
		// process exits, the group is killed (a background child cannot hold a pipe
		// open), and each copy ends at EOF with every byte delivered, however long
		// the client takes to read them (exec's own copying would cut them off at
		// its WaitDelay). Without an output stream the process writes to /dev/null.
		var drains []*os.File
		pipe := func(w io.Writer) (*os.File, error) {
			if w == nil {
				return nil, nil
			}
			r, wr, err := os.Pipe()
			if err != nil {
				return nil, err
			}
			drains = append(drains, wr)
			copies.Add(1)
			go func() { defer copies.Done(); defer r.Close(); _, _ = io.Copy(w, r) }()
			return wr, nil
		}
		stdoutW, err := pipe(out)
		if err == nil {
			var stderrW *os.File
			stderrW, err = pipe(errOut)
			if stdoutW != nil {
				cmd.Stdout = stdoutW
			}
			if stderrW != nil {
				cmd.Stderr = stderrW
			}
		}
		if err == nil {
			err = cmd.Start()
		}
		// The child has its own copies of the write ends; the copies see EOF once it and its children are gone.
		for _, w := range drains {
			w.Close()
		}
		if err != nil {
			return startFailure(argv, err)
		}
	}
	pid := cmd.Process.Pid
	e.rt.track(pid)
	defer e.rt.untrack(pid)
	if in != nil && stdin != nil {
		go func() {
			_, _ = io.Copy(stdin, in)
			if !tty {
				stdin.Close()
			}
		}()
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var err error
	select {
	case err = <-waited:
	case <-ctx.Done():
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		err = <-waited
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	copies.Wait()
	if code := exitCode(cmd.ProcessState, err); code != 0 {
		// The type ServeExec turns into a NonZeroExitCode status with an ExitCode cause.
		return utilexec.CodeExitError{Err: fmt.Errorf("command %q exited with %d", argv, code), Code: code}
	}
	return nil
}

// startFailure words a process that could not start the way container runtimes do; ServeExec
// reports it as an InternalError status ("error executing command in container: ...").
func startFailure(argv []string, err error) error {
	return fmt.Errorf("failed to exec in container: failed to start exec %q: OCI runtime exec failed: exec failed: unable to start container process: %v: unknown", argv[0], err)
}

func writerOrDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// attacher connects a client to a running container's stdin and output.
type attacher struct{ c *containerState }

func (a *attacher) AttachContainer(ctx context.Context, _ string, _ string, _ string, in io.Reader,
	out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	run := a.c.current()
	if run == nil {
		return fmt.Errorf("container %q is not running", a.c.spec.Name)
	}
	var gone []<-chan struct{}
	if out != nil {
		w := run.out.attach(out)
		defer run.out.detach(w)
		gone = append(gone, w.gone)
	}
	if errOut != nil && !a.c.spec.TTY {
		w := run.errOut.attach(errOut)
		defer run.errOut.detach(w)
		gone = append(gone, w.gone)
	}
	if tty && run.tty != nil && resize != nil {
		go func() {
			for size := range resize {
				_ = pty.Setsize(run.tty, &pty.Winsize{Rows: size.Height, Cols: size.Width})
			}
		}()
	}
	stdinDone := make(chan struct{})
	if in != nil && run.stdin != nil {
		go func() {
			defer close(stdinDone)
			_, _ = io.Copy(run.stdin, in)
			if a.c.spec.StdinOnce && !a.c.spec.TTY {
				run.stdin.Close()
			}
		}()
	}
	// Attached until the container ends, the client goes away, or its stdin closes.
	waitAny := make(chan struct{})
	var once sync.Once
	stop := func() { once.Do(func() { close(waitAny) }) }
	for _, g := range gone {
		go func() {
			select {
			case <-g:
				stop()
			case <-waitAny:
			}
		}()
	}
	select {
	case <-run.done:
	case <-ctx.Done():
	case <-waitAny:
	case <-stdinDoneOrNever(stdinDone, in != nil && run.stdin != nil):
	}
	stop()
	return nil
}

func stdinDoneOrNever(done chan struct{}, used bool) <-chan struct{} {
	if used {
		return done
	}
	return nil
}

// loopbackForwarder: the pod "network" is the host's loopback.
type loopbackForwarder struct{}

func (loopbackForwarder) PortForward(ctx context.Context, _ string, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("failed to connect to localhost:%d inside namespace of pod: %w", port, err)
	}
	defer conn.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(conn, stream); closeWrite(conn); done <- struct{}{} }()
	go func() { _, _ = io.Copy(stream, conn); done <- struct{}{} }()
	<-done
	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
	return nil
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// logQuery is the part of v1.PodLogOptions the kubelet reads from the query.
type logQuery struct {
	follow, previous, timestamps bool
	tailLines                    *int64
	limitBytes                   *int64
	since                        time.Time
	stream                       string // "", "All", "Stdout" or "Stderr"
}

func parseLogQuery(r *http.Request) (logQuery, error) {
	q := r.URL.Query()
	var lq logQuery
	boolean := func(name string) (bool, error) {
		v := q.Get(name)
		if v == "" {
			return false, nil
		}
		return strconv.ParseBool(v)
	}
	number := func(name string) (*int64, error) {
		v := q.Get(name)
		if v == "" {
			return nil, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s must be a non-negative integer", name)
		}
		return &n, nil
	}
	var err error
	if lq.follow, err = boolean("follow"); err != nil {
		return lq, err
	}
	if lq.previous, err = boolean("previous"); err != nil {
		return lq, err
	}
	if lq.timestamps, err = boolean("timestamps"); err != nil {
		return lq, err
	}
	tail := q.Get("tailLines")
	if tail == "" && q.Get("tail") != "" && q.Get("tail") != "all" {
		tail = q.Get("tail")
	}
	if tail != "" {
		q.Set("tailLines", tail)
		if lq.tailLines, err = number("tailLines"); err != nil {
			return lq, err
		}
	}
	if lq.limitBytes, err = number("limitBytes"); err != nil {
		return lq, err
	}
	if secs, err := number("sinceSeconds"); err != nil {
		return lq, err
	} else if secs != nil {
		lq.since = time.Now().Add(-time.Duration(*secs) * time.Second)
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return lq, fmt.Errorf("sinceTime: %w", err)
		}
		lq.since = t
	}
	lq.stream = q.Get("stream")
	return lq, nil
}

func (s *streamServer) containerLogs(w http.ResponseWriter, r *http.Request) {
	lq, err := parseLogQuery(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, c, ok := s.findContainer(w, r)
	if !ok {
		return
	}
	path, done, err := c.logFor(lq.previous)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	lw := &limitedWriter{w: w, left: -1}
	if lq.limitBytes != nil {
		lw.left = *lq.limitBytes
	}
	wanted := func(rec logRecord) bool {
		if !lq.since.IsZero() && rec.ts.Before(lq.since) {
			return false
		}
		switch lq.stream {
		case "Stdout":
			return rec.stream == "stdout"
		case "Stderr":
			return rec.stream == "stderr"
		}
		return true
	}
	emit := func(rec logRecord) bool {
		var b bytes.Buffer
		if lq.timestamps {
			b.WriteString(rec.ts.Format(time.RFC3339Nano))
			b.WriteByte(' ')
		}
		b.Write(rec.text)
		if !rec.partial {
			b.WriteByte('\n')
		}
		return lw.write(b.Bytes())
	}

	reader := bufio.NewReader(f)
	var pendingLine []byte
	// readAvailable returns the complete records appended since the last call.
	readAvailable := func() []logRecord {
		var recs []logRecord
		for {
			chunk, err := reader.ReadBytes('\n')
			pendingLine = append(pendingLine, chunk...)
			if err != nil {
				return recs
			}
			if rec, perr := parseRecord(string(pendingLine)); perr == nil && wanted(rec) {
				recs = append(recs, rec)
			}
			pendingLine = pendingLine[:0]
		}
	}
	first := readAvailable()
	if lq.tailLines != nil {
		// Count whole lines from the end: a partial record belongs to the line after it.
		lines, i := int64(0), len(first)
		for i > 0 && lines <= *lq.tailLines {
			if !first[i-1].partial {
				lines++
			}
			if lines > *lq.tailLines {
				break
			}
			i--
		}
		first = first[i:]
	}
	for _, rec := range first {
		if !emit(rec) {
			return
		}
	}
	if flusher != nil {
		flusher.Flush()
	}
	if !lq.follow {
		return
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		finished := false
		select {
		case <-r.Context().Done():
			return
		case <-done:
			finished = true
		case <-tick.C:
		}
		for _, rec := range readAvailable() {
			if !emit(rec) {
				return
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		if finished {
			return
		}
	}
}

// limitedWriter stops after limitBytes (left < 0: no limit); write reports whether to go on.
type limitedWriter struct {
	w    io.Writer
	left int64
}

func (l *limitedWriter) write(p []byte) bool {
	if l.left == 0 {
		return false
	}
	if l.left > 0 && int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.w.Write(p)
	if l.left > 0 {
		l.left -= int64(n)
	}
	return err == nil && l.left != 0
}
