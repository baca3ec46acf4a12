// The test kubelet's "container runtime": every container of a Pod bound to this node is its
// command+args run as a local process (exec of argv, no shell) in a per-pod folder, with
// stdout/stderr kept in a CRI-format log file per attempt, stdin kept open for attach, a
// pseudo-terminal when the container asks for tty, restarts by restartPolicy, and the pod's
// status written back (Running, container states, exit codes). Deleting the pod kills its
// processes and confirms the deletion, as the kubelet does.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

type podRuntime struct {
	client   kubernetes.Interface
	node     string
	hostIP   string
	podIP    string
	root     string
	pidsFile string

	mu   sync.Mutex
	pods map[types.UID]*podState
	// Every live process group (containers and execs), for killAll.
	groups map[int]struct{}
}

type podState struct {
	rt         *podRuntime
	uid        types.UID
	namespace  string
	name       string
	dir        string
	startTime  metav1.Time
	restart    corev1.RestartPolicy
	containers []*containerState

	mu       sync.Mutex
	deleting bool
	// Serialises status writes; a pending flag coalesces bursts.
	syncMu  sync.Mutex
	pending bool
}

type containerState struct {
	pod  *podState
	spec corev1.Container

	mu        sync.Mutex
	attempt   int32 // restart count of the current (or last) attempt
	running   *attempt
	lastState *corev1.ContainerStateTerminated // state of the last finished attempt
	waiting   *corev1.ContainerStateWaiting
	started   bool
}

// One run of a container's process.
type attempt struct {
	id        string
	cmd       *exec.Cmd
	startedAt metav1.Time
	logPath   string
	done      chan struct{}
	stdin     io.WriteCloser // nil unless spec.stdin
	tty       *os.File       // the pty master when spec.tty
	out       *fanout
	errOut    *fanout
}

func newPodRuntime(client kubernetes.Interface, node, hostIP, podIP, root, pidsFile string) *podRuntime {
	return &podRuntime{client: client, node: node, hostIP: hostIP, podIP: podIP, root: root, pidsFile: pidsFile,
		pods: map[types.UID]*podState{}, groups: map[int]struct{}{}}
}

// run watches the pods bound to this node until ctx ends.
func (rt *podRuntime) run(ctx context.Context) {
	factory := informers.NewSharedInformerFactoryWithOptions(rt.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", rt.node).String()
		}))
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { rt.observe(obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { rt.observe(obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				rt.forget(pod.UID, 0)
			}
		},
	})
	factory.Start(ctx.Done())
	<-ctx.Done()
	factory.Shutdown()
}

func (rt *podRuntime) observe(pod *corev1.Pod) {
	rt.mu.Lock()
	ps, known := rt.pods[pod.UID]
	if !known && pod.DeletionTimestamp == nil && !finished(pod) {
		ps = rt.admit(pod)
		rt.pods[pod.UID] = ps
	}
	rt.mu.Unlock()
	if ps == nil {
		return
	}
	if pod.DeletionTimestamp != nil {
		grace := int64(30)
		if pod.DeletionGracePeriodSeconds != nil {
			grace = *pod.DeletionGracePeriodSeconds
		}
		go rt.terminate(ps, time.Duration(grace)*time.Second, true)
		return
	}
	if !known {
		go ps.startAll()
	}
}

func finished(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

func (rt *podRuntime) admit(pod *corev1.Pod) *podState {
	ps := &podState{
		rt: rt, uid: pod.UID, namespace: pod.Namespace, name: pod.Name,
		dir:       filepath.Join(rt.root, "pods", string(pod.UID)),
		startTime: metav1.Now(),
		restart:   pod.Spec.RestartPolicy,
	}
	for _, c := range pod.Spec.Containers {
		ps.containers = append(ps.containers, &containerState{pod: ps, spec: *c.DeepCopy()})
	}
	return ps
}

// lookup finds a running pod by namespace and name (and uid, when given).
func (rt *podRuntime) lookup(namespace, name, uid string) (*podState, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, ps := range rt.pods {
		if ps.namespace == namespace && ps.name == name && (uid == "" || string(ps.uid) == uid) {
			return ps, true
		}
	}
	return nil, false
}

func (ps *podState) container(name string) (*containerState, bool) {
	for _, c := range ps.containers {
		if c.spec.Name == name {
			return c, true
		}
	}
	return nil, false
}

func (ps *podState) startAll() {
	if err := os.MkdirAll(ps.dir, 0o700); err != nil {
		klog.ErrorS(err, "creating the pod folder", "pod", ps.namespace+"/"+ps.name)
	}
	for _, c := range ps.containers {
		c.start()
	}
	ps.syncStatus()
}

// terminate kills the pod's processes (SIGTERM, SIGKILL after grace) and, when the API object
// is being deleted, confirms the deletion with grace 0 as the kubelet does.
func (rt *podRuntime) terminate(ps *podState, grace time.Duration, confirm bool) {
	ps.mu.Lock()
	already := ps.deleting
	ps.deleting = true
	ps.mu.Unlock()
	if already {
		return
	}
	var wg sync.WaitGroup
	for _, c := range ps.containers {
		wg.Add(1)
		go func() { defer wg.Done(); c.kill(grace) }()
	}
	wg.Wait()
	rt.mu.Lock()
	delete(rt.pods, ps.uid)
	rt.mu.Unlock()
	_ = os.RemoveAll(ps.dir)
	if !confirm {
		return
	}
	zero := int64(0)
	uid := ps.uid
	err := rt.client.CoreV1().Pods(ps.namespace).Delete(context.Background(), ps.name,
		metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.ErrorS(err, "confirming pod deletion", "pod", ps.namespace+"/"+ps.name)
	}
}

func (rt *podRuntime) forget(uid types.UID, grace time.Duration) {
	rt.mu.Lock()
	ps := rt.pods[uid]
	rt.mu.Unlock()
	if ps != nil {
		rt.terminate(ps, grace, false)
	}
}

// killAll ends every process this kubelet started, at once (shutdown).
func (rt *podRuntime) killAll() {
	rt.mu.Lock()
	for _, ps := range rt.pods {
		ps.mu.Lock()
		ps.deleting = true
		ps.mu.Unlock()
	}
	groups := make([]int, 0, len(rt.groups))
	for g := range rt.groups {
		groups = append(groups, g)
	}
	rt.mu.Unlock()
	for _, g := range groups {
		_ = syscall.Kill(-g, syscall.SIGKILL)
	}
	// SIGKILL cannot be refused: the groups are gone, so is their record.
	rt.mu.Lock()
	clear(rt.groups)
	rt.writePidsLocked()
	rt.mu.Unlock()
}

// track records a new process group, in memory and in the pids file, so that a supervisor can
// kill whatever is left if this kubelet itself is killed. The file always lists exactly the live
// groups (rewritten and renamed into place), so a stale entry never names a reused pid.
func (rt *podRuntime) track(pid int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.groups[pid] = struct{}{}
	rt.writePidsLocked()
}

func (rt *podRuntime) untrack(pid int) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	delete(rt.groups, pid)
	rt.writePidsLocked()
}

func (rt *podRuntime) writePidsLocked() {
	if rt.pidsFile == "" {
		return
	}
	var b strings.Builder
	for g := range rt.groups {
		fmt.Fprintf(&b, "%d\n", g)
	}
	tmp := rt.pidsFile + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err == nil {
		_ = os.Rename(tmp, rt.pidsFile)
	}
}

// processAttrs puts a process in its own group (so its children die with it) and has the kernel
// kill it if this kubelet dies.
func processAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func containerEnv(c corev1.Container) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=/", "HOSTNAME=" + c.Name}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env = append(env, e.Name+"="+e.Value)
		}
	}
	return env
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (c *containerState) logDir() string { return filepath.Join(c.pod.dir, "logs", c.spec.Name) }

// start runs one attempt of the container. A failure to start (no command, a missing binary)
// becomes a terminated state with exit code 128, like a runtime's StartError.
func (c *containerState) start() {
	argv := append(append([]string{}, c.spec.Command...), c.spec.Args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(argv) == 0 {
		c.waiting = &corev1.ContainerStateWaiting{Reason: "CreateContainerConfigError",
			Message: "the kubegen test kubelet runs no images: the container needs a command"}
		return
	}
	if err := os.MkdirAll(c.logDir(), 0o700); err != nil {
		c.waiting = &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
		return
	}
	a := &attempt{id: newID(), done: make(chan struct{}),
		logPath: filepath.Join(c.logDir(), fmt.Sprintf("%d.log", c.attempt))}
	logFile, err := os.OpenFile(a.logPath, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		c.waiting = &corev1.ContainerStateWaiting{Reason: "CreateContainerError", Message: err.Error()}
		return
	}
	log := &criLog{file: logFile}
	a.out = &fanout{log: log, stream: "stdout"}
	a.errOut = &fanout{log: log, stream: "stderr"}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.pod.dir
	cmd.Env = containerEnv(c.spec)
	cmd.SysProcAttr = processAttrs()
	var copies sync.WaitGroup
	if c.spec.TTY {
		cmd.SysProcAttr.Setsid, cmd.SysProcAttr.Setpgid, cmd.SysProcAttr.Setctty = true, false, true
		var ptmx *os.File
		ptmx, err = pty.Start(cmd)
		if err == nil {
			a.tty, a.stdin = ptmx, ptmx
			copies.Add(1)
			go func() { defer copies.Done(); _, _ = io.Copy(a.out, ptmx) }()
		}
	} else {
		if c.spec.Stdin {
			a.stdin, err = cmd.StdinPipe()
		}
		cmd.Stdout, cmd.Stderr = a.out, a.errOut
		if err == nil {
			err = cmd.Start()
		}
	}
	now := metav1.Now()
	if err != nil {
		logFile.Close()
		c.lastState = &corev1.ContainerStateTerminated{ExitCode: 128, Reason: "StartError",
			Message: fmt.Sprintf("failed to start container process: %v", err), StartedAt: now, FinishedAt: now,
			ContainerID: "kubegen://" + a.id}
		c.waiting = nil
		go c.afterExit(128)
		return
	}
	a.cmd, a.startedAt = cmd, now
	c.running, c.waiting, c.started = a, nil, true
	c.pod.rt.track(cmd.Process.Pid)
	go func() {
		err := cmd.Wait()
		copies.Wait()
		c.pod.rt.untrack(cmd.Process.Pid)
		// Nothing of the group may outlive the container's main process.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if a.tty != nil {
			a.tty.Close()
		}
		log.flush()
		logFile.Close()
		code := exitCode(cmd.ProcessState, err)
		reason := "Completed"
		if code != 0 {
			reason = "Error"
		}
		c.mu.Lock()
		c.lastState = &corev1.ContainerStateTerminated{ExitCode: int32(code), Reason: reason,
			StartedAt: a.startedAt, FinishedAt: metav1.Now(), ContainerID: "kubegen://" + a.id}
		c.running = nil
		c.mu.Unlock()
		a.out.closeAll()
		a.errOut.closeAll()
		close(a.done)
		c.afterExit(code)
	}()
}

func exitCode(state *os.ProcessState, err error) int {
	if state == nil {
		return 128
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if code := state.ExitCode(); code >= 0 {
		return code
	}
	if err != nil {
		return 1
	}
	return 0
}

// afterExit writes the status and restarts the container when the pod's restartPolicy says so,
// after a short back-off that grows with the restart count (capped at 10 s).
func (c *containerState) afterExit(code int) {
	ps := c.pod
	ps.mu.Lock()
	deleting := ps.deleting
	ps.mu.Unlock()
	restart := !deleting && (ps.restart == corev1.RestartPolicyAlways || ps.restart == "" ||
		(ps.restart == corev1.RestartPolicyOnFailure && code != 0))
	var delay time.Duration
	if restart {
		c.mu.Lock()
		delay = time.Duration(1<<min(c.attempt, 4)) * time.Second / 2
		c.waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s", delay, c.spec.Name)}
		c.mu.Unlock()
	}
	ps.syncStatus()
	if !restart {
		return
	}
	time.Sleep(delay)
	ps.mu.Lock()
	deleting = ps.deleting
	ps.mu.Unlock()
	if deleting {
		return
	}
	c.mu.Lock()
	c.attempt++
	c.mu.Unlock()
	c.start()
	ps.syncStatus()
}

// kill stops the running attempt: SIGTERM to its group, SIGKILL after grace.
func (c *containerState) kill(grace time.Duration) {
	c.mu.Lock()
	a := c.running
	c.mu.Unlock()
	if a == nil {
		return
	}
	pid := a.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-a.done
	}
}

// current returns the running attempt, or nil.
func (c *containerState) current() *attempt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running
}

// logFor returns the log file of the current attempt, or of the previous one.
func (c *containerState) logFor(previous bool) (path string, done <-chan struct{}, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.attempt
	if previous {
		if n == 0 {
			return "", nil, fmt.Errorf("previous terminated container %q in pod %q not found", c.spec.Name, c.pod.name)
		}
		n--
	}
	path = filepath.Join(c.logDir(), fmt.Sprintf("%d.log", n))
	if !previous && c.running != nil {
		return path, c.running.done, nil
	}
	closed := make(chan struct{})
	close(closed)
	if _, statErr := os.Stat(path); statErr != nil {
		return "", nil, fmt.Errorf("container %q in pod %q is waiting to start: %w", c.spec.Name, c.pod.name, statErr)
	}
	return path, closed, nil
}

func (c *containerState) status() corev1.ContainerStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := corev1.ContainerStatus{Name: c.spec.Name, Image: c.spec.Image, ImageID: "", RestartCount: c.attempt,
		Started: new(bool)}
	if c.lastState != nil && c.running != nil {
		s.LastTerminationState.Terminated = c.lastState.DeepCopy()
	}
	switch {
	case c.running != nil:
		s.State.Running = &corev1.ContainerStateRunning{StartedAt: c.running.startedAt}
		s.Ready, *s.Started = true, true
		s.ContainerID = "kubegen://" + c.running.id
	case c.waiting != nil:
		s.State.Waiting = c.waiting.DeepCopy()
		if c.lastState != nil {
			s.LastTerminationState.Terminated = c.lastState.DeepCopy()
			s.ContainerID = c.lastState.ContainerID
		}
	case c.lastState != nil:
		s.State.Terminated = c.lastState.DeepCopy()
		s.ContainerID = c.lastState.ContainerID
	default:
		s.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
	}
	return s
}

// syncStatus writes the pod's status; concurrent calls coalesce into one more write.
func (ps *podState) syncStatus() {
	ps.mu.Lock()
	if ps.pending {
		ps.mu.Unlock()
		return
	}
	ps.pending = true
	ps.mu.Unlock()
	ps.syncMu.Lock()
	defer ps.syncMu.Unlock()
	ps.mu.Lock()
	ps.pending = false
	ps.mu.Unlock()

	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := ps.rt.client.CoreV1().Pods(ps.namespace).Get(context.Background(), ps.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if pod.UID != ps.uid {
			return nil
		}
		pod.Status = ps.computeStatus(pod.Status)
		_, err = ps.rt.client.CoreV1().Pods(ps.namespace).UpdateStatus(context.Background(), pod, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		klog.ErrorS(err, "writing pod status", "pod", ps.namespace+"/"+ps.name)
	}
}

func (ps *podState) computeStatus(old corev1.PodStatus) corev1.PodStatus {
	st := corev1.PodStatus{HostIP: ps.rt.hostIP, PodIP: ps.rt.podIP, StartTime: &ps.startTime,
		HostIPs: []corev1.HostIP{{IP: ps.rt.hostIP}}, PodIPs: []corev1.PodIP{{IP: ps.rt.podIP}}, QOSClass: corev1.PodQOSBestEffort}
	allRunning, anyRunning, allDone, allSucceeded := true, false, true, true
	for _, c := range ps.containers {
		cs := c.status()
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
		running := cs.State.Running != nil
		allRunning = allRunning && running
		anyRunning = anyRunning || running
		done := cs.State.Terminated != nil
		allDone = allDone && done
		allSucceeded = allSucceeded && done && cs.State.Terminated.ExitCode == 0
	}
	switch {
	case allDone && allSucceeded:
		st.Phase = corev1.PodSucceeded
	case allDone:
		st.Phase = corev1.PodFailed
	case anyRunning || ps.anyStarted():
		st.Phase = corev1.PodRunning
	default:
		st.Phase = corev1.PodPending
	}
	cond := func(t corev1.PodConditionType, ok bool) corev1.PodCondition {
		s := corev1.ConditionFalse
		if ok {
			s = corev1.ConditionTrue
		}
		c := corev1.PodCondition{Type: t, Status: s, LastTransitionTime: metav1.Now()}
		for _, o := range old.Conditions {
			if o.Type == t && o.Status == s {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		if !ok && (t == corev1.PodReady || t == corev1.ContainersReady) {
			c.Reason = "ContainersNotReady"
		}
		return c
	}
	st.Conditions = []corev1.PodCondition{
		cond("PodReadyToStartContainers", true),
		cond(corev1.PodInitialized, true),
		cond(corev1.PodReady, allRunning),
		cond(corev1.ContainersReady, allRunning),
		cond(corev1.PodScheduled, true),
	}
	return st
}

func (ps *podState) anyStarted() bool {
	for _, c := range ps.containers {
		c.mu.Lock()
		s := c.started
		c.mu.Unlock()
		if s {
			return true
		}
	}
	return false
}

// fanout is one output stream of a container: it goes to the log and to every attached client.
type fanout struct {
	log    *criLog
	stream string

	mu      sync.Mutex
	readers map[*attachWriter]struct{}
}

type attachWriter struct {
	w    io.Writer
	gone chan struct{}
	once sync.Once
}

func (aw *attachWriter) close() { aw.once.Do(func() { close(aw.gone) }) }

func (f *fanout) Write(p []byte) (int, error) {
	f.log.write(f.stream, p)
	f.mu.Lock()
	defer f.mu.Unlock()
	for r := range f.readers {
		if _, err := r.w.Write(p); err != nil {
			delete(f.readers, r)
			r.close()
		}
	}
	return len(p), nil
}

func (f *fanout) attach(w io.Writer) *attachWriter {
	aw := &attachWriter{w: w, gone: make(chan struct{})}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readers == nil {
		f.readers = map[*attachWriter]struct{}{}
	}
	f.readers[aw] = struct{}{}
	return aw
}

func (f *fanout) detach(aw *attachWriter) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.readers, aw)
}

func (f *fanout) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for r := range f.readers {
		delete(f.readers, r)
		r.close()
	}
}

// criLog writes the CRI logging format, one line per record: "<RFC3339Nano> <stream> <F|P> text"
// (P marks a partial line, the rest of which follows in later records).
type criLog struct {
	mu      sync.Mutex
	file    *os.File
	partial map[string][]byte
}

func (l *criLog) write(stream string, p []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.partial == nil {
		l.partial = map[string][]byte{}
	}
	buf := append(l.partial[stream], p...)
	for {
		i := strings.IndexByte(string(buf), '\n')
		if i < 0 {
			break
		}
		l.record(stream, "F", buf[:i])
		buf = buf[i+1:]
	}
	// Long partial lines are written as P records so followers see them.
	if len(buf) >= 16*1024 {
		l.record(stream, "P", buf)
		buf = nil
	}
	l.partial[stream] = append([]byte(nil), buf...)
}

func (l *criLog) record(stream, tag string, line []byte) {
	fmt.Fprintf(l.file, "%s %s %s %s\n", time.Now().UTC().Format(time.RFC3339Nano), stream, tag, line)
}

// flush writes what is left of an unterminated last line as a partial record.
func (l *criLog) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for stream, buf := range l.partial {
		if len(buf) > 0 {
			l.record(stream, "P", buf)
		}
	}
	l.partial = nil
}

// logRecord is one parsed line of a CRI log file.
type logRecord struct {
	ts      time.Time
	stream  string
	partial bool
	text    []byte
}

func parseRecord(line string) (logRecord, error) {
	line = strings.TrimSuffix(line, "\n")
	parts := strings.SplitN(line, " ", 4)
	if len(parts) < 3 {
		return logRecord{}, fmt.Errorf("malformed log line")
	}
	ts, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return logRecord{}, err
	}
	r := logRecord{ts: ts, stream: parts[1], partial: parts[2] == "P"}
	if len(parts) == 4 {
		r.text = []byte(parts[3])
	}
	return r, nil
}
