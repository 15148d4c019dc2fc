// The session replay player: loads every segment of a session, rebuilds the recorded page in a
// sandboxed iframe (no scripts: sandbox="allow-same-origin" only, and the builder drops
// anything executable), and plays it with a cursor, click ripples, speed, skip inactivity and a
// timeline of the segment boundaries and the session's views, actions and errors.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { formatBytes } from '../../../lib/format';
import { currentToken } from '../../../lib/session';
import type { ReplaySegment, SessionEvent } from '../api';
import { Replayer, type Viewport } from './player';
import { decodeSegment, mergeRecords, type Segment } from './records';
import { AUTO_LOAD_BYTES, clock, framesOf, inactiveGaps, percentAt, skipTarget, type Frame } from './timeline';
import './replay.css';

const SPEEDS = [1, 2, 4, 8];
const BLANK = '<!DOCTYPE html><html><head></head><body></body></html>';
const MAX_HEIGHT = 560;

async function loadSegments(sessionId: string, appId: string, segs: ReplaySegment[], signal: AbortSignal): Promise<Segment[]> {
  const out: Segment[] = [];
  for (const g of segs) {
    const q = appId ? `?app_id=${encodeURIComponent(appId)}` : '';
    const r = await fetch(`/v1/rum/replay/${encodeURIComponent(sessionId)}/${g.segment}${q}`,
                          { headers: { Authorization: `Bearer ${currentToken()}` }, signal });
    if (!r.ok) throw new Error(`segment ${g.segment}: HTTP ${r.status}`);
    try {
      out.push(await decodeSegment(new Uint8Array(await r.arrayBuffer())));
    } catch (e) {
      throw new Error(`segment ${g.segment}: ${(e as Error).message}`);
    }
  }
  return out;
}

interface Marker {
  time: number;
  type: 'view' | 'action' | 'error';
  label: string;
}

function markersOf(events: SessionEvent[]): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    if (e.type === 'view') out.push({ time: e.time, type: 'view', label: `View ${e.view_path ?? e.view_url ?? ''}` });
    else if (e.type === 'action') out.push({ time: e.time, type: 'action', label: `${e.action_type ?? 'action'}: ${e.action_name ?? ''}` });
    else if (e.type === 'error') out.push({ time: e.time, type: 'error', label: `Error: ${e.error_message ?? e.error_type ?? ''}` });
  }
  return out;
}

export function ReplayPlayer({ sessionId, appId, segments, events }: {
  sessionId: string;
  appId: string;
  segments: ReplaySegment[];
  events: SessionEvent[];
}) {
  const [loaded, setLoaded] = useState<{ frames: Frame[]; segs: Segment[] } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const key = segments.map((s) => s.segment).join(',');
  const total = segments.reduce((a, s) => a + s.size, 0);
  // A long recording is fetched on demand, not with every visit of the session page.
  const [wanted, setWanted] = useState(false);
  const load = wanted || total <= AUTO_LOAD_BYTES;
  useEffect(() => {
    if (!load) return;
    const ac = new AbortController();
    setLoaded(undefined);
    setError(undefined);
    loadSegments(sessionId, appId, segments, ac.signal)
      .then((segs) => setLoaded({ segs, frames: framesOf(mergeRecords(segs)) }))
      .catch((e) => { if (!ac.signal.aborted) setError((e as Error).message); });
    return () => ac.abort();
  }, [sessionId, appId, key, load]);

  if (!load) {
    return (
      <div class="hint" data-testid="replay-load">
        <button class="btn" onClick={() => setWanted(true)}>Load the replay</button>{' '}
        {segments.length} segments, {formatBytes(total)} compressed
      </div>
    );
  }

  if (error) return <div class="hint error" data-testid="replay-error">Replay cannot be played: {error}</div>;
  if (!loaded) return <div class="hint" data-testid="replay-loading">Loading the replay…</div>;
  if (!loaded.frames.some((f) => f.record.type === 2)) {
    return <div class="hint" data-testid="replay-empty">The recorded segments hold no full snapshot: nothing to show.</div>;
  }
  return <Player key={key} frames={loaded.frames} segs={loaded.segs} events={events} />;
}

function Player({ frames, segs, events }: { frames: Frame[]; segs: Segment[]; events: SessionEvent[] }) {
  const start = Math.min(frames[0].time, ...segs.map((s) => s.start));
  const end = Math.max(frames[frames.length - 1].time, ...segs.map((s) => s.end));
  const gaps = useMemo(() => inactiveGaps(frames), [frames]);
  const markers = useMemo(() => markersOf(events).filter((m) => m.time >= start - 1000 && m.time <= end + 1000), [events, start, end]);

  const frameRef = useRef<HTMLIFrameElement>(null);
  const cursorRef = useRef<HTMLDivElement>(null);
  const overlayRef = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const replayer = useRef<Replayer | undefined>();
  const timeRef = useRef(start);
  const [time, setTime] = useState(start);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [skip, setSkip] = useState(true);
  const [ready, setReady] = useState(false);
  const [vp, setVp] = useState<Viewport>({ width: 1024, height: 768 });
  const [boxWidth, setBoxWidth] = useState(800);

  // The iframe's blank document loads first; then the state at the start is built.
  const onLoad = () => {
    if (replayer.current) return;
    const r = new Replayer(frames, frameRef.current!, cursorRef.current!, overlayRef.current!, setVp);
    replayer.current = r;
    r.seek(start);
    setVp(r.viewport);
    setReady(true);
  };

  useEffect(() => {
    const measure = () => setBoxWidth(boxRef.current?.clientWidth ?? 800);
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);

  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let raf = 0;
    const tick = (now: number) => {
      let t = timeRef.current + (now - last) * speed;
      last = now;
      if (skip) t = skipTarget(gaps, t);
      if (t >= end) {
        t = end;
        setPlaying(false);
      }
      replayer.current?.advance(t);
      timeRef.current = t;
      setTime(t);
      if (t < end) raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [playing, speed, skip, gaps, end]);

  const seek = (t: number) => {
    const x = Math.min(end, Math.max(start, t));
    replayer.current?.seek(x);
    timeRef.current = x;
    setTime(x);
  };
  const toggle = () => {
    if (!playing && timeRef.current >= end) seek(start);
    setPlaying(!playing);
  };
  const onTrack = (e: MouseEvent) => {
    const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
    seek(start + ((e.clientX - rect.left) / rect.width) * (end - start));
  };

  const scale = Math.min(1, boxWidth / vp.width, MAX_HEIGHT / vp.height);
  return (
    <div class="rr-player" data-testid="replay-player">
      <div class="rr-box" ref={boxRef} style={{ height: `${Math.ceil(vp.height * scale)}px` }}>
        <div class="rr-stage" style={{ width: `${vp.width}px`, height: `${vp.height}px`, transform: `scale(${scale})`,
                                       left: `${Math.max(0, Math.floor((boxWidth - vp.width * scale) / 2))}px` }}>
          <iframe ref={frameRef} class="rr-frame" sandbox="allow-same-origin" srcdoc={BLANK} onLoad={onLoad}
                  title="Session replay" data-testid="replay-frame" width={vp.width} height={vp.height} />
          <div class="rr-overlay" ref={overlayRef}>
            <div class="rr-cursor" ref={cursorRef} data-testid="replay-cursor" />
          </div>
        </div>
      </div>
      <div class="rr-controls">
        <button class="btn" data-testid="replay-play" disabled={!ready} onClick={toggle}>{playing ? 'Pause' : 'Play'}</button>
        <span class="rr-clock mono" data-testid="replay-time">{clock(time - start)} / {clock(end - start)}</span>
        <span class="rr-speeds">
          {SPEEDS.map((s) => (
            <button key={s} class={`rr-speed ${s === speed ? 'rr-on' : ''}`} data-testid={`replay-speed-${s}`}
                    onClick={() => setSpeed(s)}>{s}x</button>
          ))}
        </span>
        <label class="rr-skip">
          <input type="checkbox" checked={skip} data-testid="replay-skip"
                 onChange={(e) => setSkip((e.currentTarget as HTMLInputElement).checked)} /> Skip inactivity
        </label>
        <span class="hint">{vp.width}×{vp.height}{scale < 1 ? ` at ${Math.round(scale * 100)}%` : ''}</span>
      </div>
      <div class="rr-track" data-testid="replay-timeline" onClick={onTrack}>
        {gaps.map(([a, b]) => (
          <span key={a} class="rr-gap" data-testid="replay-gap" style={{ left: `${percentAt(a, start, end)}%`, width: `${percentAt(b, start, end) - percentAt(a, start, end)}%` }}
                title="Inactive" />
        ))}
        <span class="rr-progress" data-testid="replay-progress" style={{ width: `${percentAt(time, start, end)}%` }} />
        {segs.slice(1).map((s, i) => (
          <span key={i} class="rr-seg" data-testid="replay-segment-mark" style={{ left: `${percentAt(s.start, start, end)}%` }}
                title={`Segment ${i + 1}`} />
        ))}
        {markers.map((m, i) => (
          <span key={i} class={`rr-mark rr-mark-${m.type}`} data-testid={`replay-mark-${m.type}`} title={`${clock(m.time - start)} ${m.label}`}
                style={{ left: `${percentAt(m.time, start, end)}%` }}
                onClick={(e) => { e.stopPropagation(); seek(m.time); }} />
        ))}
      </div>
    </div>
  );
}
