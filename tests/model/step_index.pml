/*
 * step_index.pml -- table format 2's step index (`_steps/<s>`) racing
 * committers, readers and GC, for spin (docs/model.md, "The step index",
 * explains it; scripts/model-check.sh runs it).
 *
 * The log is taken as lakestream.pml proves it: a commit appends its record
 * at the head of one canonical log, atomically, and every state an actor
 * acts on is that log's state at some version (P1, P4).  So a view is just
 * a version n: its state is the replay of hist[1..n].  (lakestream.pml
 * -DSTEPS=1 checks S1 with the views the commit protocol really yields.)
 * What this file adds: the chunk objects, the index objects, the watermark
 * records, and the actors that use them:
 *
 *   Producer  writes its chunk, commits (ls_table_commit: the record lands
 *             and is found live), then, in ls_table_apply_own /
 *             publish_steps, builds the index of each step its record
 *             completes from its view and puts it with put_if_absent
 *             (ls_step_index_publish: on EXISTS it reads back and compares);
 *             it may stall anywhere, a put may fail, and it may crash after
 *             its commit, before its indexes.
 *   GC        ls_table_gc: refresh (the commits `before`), commit a
 *             watermark record (gc_precheck: a checkpoint's step, at most
 *             the complete steps), delete the indexes below the watermark
 *             (delete_step_indexes: LIST, then HEAD+DELETE each), then the
 *             chunks of `before` wholly below it, then (ORPHANS) the chunks
 *             of the commits a fresh state no longer retains.
 *   Reader    read_step (core/consumer.c), rank 0 of W = 1, for steps
 *             0..RSTEPS-1: below its state's watermark -> reclaimed; poll
 *             the index (plan_index); found -> fetch the chunks it names;
 *             missing -> if its state shows the step complete, read through
 *             the log (plan_log) and write the index; if it has never read
 *             the log (lazy), read it now; else wait, and read the log when
 *             the wait (consumer.index.wait.ms) expires; a chunk gone ->
 *             ls_table_refresh_thorough, then reclaimed if the step is
 *             below the watermark, else LS_ERR_CORRUPT.
 *
 * S1 an index, when it exists, names exactly the samples the log puts in
 *    its step, and the log has completed the step;
 * S2 a reader delivers for step s exactly the log's samples of step s, and
 *    only once the log has completed s (through the index or the log);
 * S3 a reader that finds the index missing still makes progress: when
 *    nothing else can move, every reader is done, or waits for a step the
 *    log has not completed;
 * S4 a reader reports step s reclaimed only if s is below the log's
 *    watermark, and never reports LS_ERR_CORRUPT (the table is sound).
 *
 * Abstracted (docs/model.md says why each loses nothing that matters):
 * sample bytes (a sample is its commit and its place in it; a chunk, its
 * commit's samples); the index's two ranged GETs (entries, names) and a
 * step's chunk GETs are each one atomic read; a log read returns the log at
 * its head (lakestream.pml checks that what it returns is canonical; that
 * it reaches the head rests on probe_missing, not modelled); commit records
 * are never deleted here (GC deletes one only after the chunks of its
 * commit, and a reader that misses either ends in the same branch); the
 * indexes of steps no reader reads are not written; damaged indexes
 * (seals, CRCs: LS_ERR_CORRUPT, then the log decides) are left out.
 * Waiting is cut to the moments that matter: a waiting reader moves when
 * the index appears or the log moves.
 *
 * Layout as lakestream.pml: switches, the store, replay, the properties,
 * the actors (each d_step is ONE store operation and the local work after
 * it), a process that checks S3 when the system is quiescent.
 */

/* ---- switches (spin -DNAME=value) and bounds ------------------------------ */
#ifndef B
#define B          1   /* samples per step (global batch): 1 or 2 */
#endif
#ifndef NDATA
#define NDATA      1   /* data commits per producer (two producers) */
#endif
#ifndef SIZES
#define SIZES      2   /* 1: every commit holds 1 sample; 2: odd commit ids hold 2, even 1 */
#endif
#ifndef GC_RUNS
#define GC_RUNS    1   /* GC runs, one after the other */
#endif
#ifndef NGC
#define NGC        1   /* concurrent GC processes */
#endif
#ifndef NREAD
#define NREAD      1   /* readers (each rank 0 of its own job: each writes missing indexes) */
#endif
#ifndef RSTEPS
#define RSTEPS     2   /* steps each reader reads, from step 0 */
#endif
#ifndef CRASH
#define CRASH      1   /* a producer may crash after its commit, before its indexes */
#endif
#ifndef ORPHANS
#define ORPHANS    1   /* GC also deletes the chunks a fresh state no longer retains */
#endif
/* variants (docs/model.md, "Variants"): each is expected to break a property, or not */
#ifndef PUB_EARLY
#define PUB_EARLY  0   /* 1: a producer writes its indexes before its commit */
#endif
#ifndef CHUNKS_FIRST
#define CHUNKS_FIRST 0 /* 1: GC deletes the chunks before the indexes */
#endif
#ifndef WM_LATE
#define WM_LATE    0   /* 1: GC deletes indexes and chunks before it commits the watermark */
#endif
#ifndef OLD_WM
#define OLD_WM     0   /* 1: a reader judges a missing chunk by its own state, unrefreshed */
#endif
#ifndef NO_FALLBACK
#define NO_FALLBACK 0  /* 1: a reader that knows the log never reads it for a missing index */
#endif
#ifndef REACH
#define REACH      0   /* n > 0: assert that scenario n never happens (docs/model.md):
                          1 an index is written below a watermark whose indexes a GC has
                          deleted; 2 a reader finds an index whose chunk is gone and reports
                          reclaimed; 3 a reader reads a step through the log (its index
                          missing); 4 a reader delivers through an index a step below the
                          watermark; 5 the system is quiescent with a reader waiting
                          (needs RSTEPS > NSTEP: a step no commit completes) */
#endif

#define NPROD   2
#define NC      (NPROD * NDATA)          /* data commit ids 1..NC: producer (c-1)/NDATA */
#if SIZES == 1
#define NSAMP(c)  1
#define NSMP      NC
#else
#define NSAMP(c)  ((c) % 2 + 1)
#define NSMP      (NC + NC / 2)
#endif
#define NSTEP   (NSMP / B)               /* steps the log can complete */
#define WMREC   16                       /* hist value WMREC + w: a watermark record, step w */
#define VMAX    (NC + NGC * GC_RUNS)
#define BIT(i)  (1 << (i))
/* a sample is (commit c, its j-th sample): code c * 2 + j (1..15); a step's
 * content: its B codes, 4 bits each, in order (0: nothing) */
#define CODE_C(x) ((x) / 2)

#if NSTEP > 6
#error "NSTEP > 6: add WM_AT lines"
#endif

/* ---- the store --------------------------------------------------------------------- */
byte hist[VMAX + 1];     /* _log/<v>, v = 1..head: a data commit id, or WMREC + w */
byte head;               /* the log's head version */
bool chunk[NC + 1];      /* data/<producer>/<epoch>-<seq> of commit c */
bool idx_ok[NSTEP + 1];  /* _steps/<s> exists */
byte idx[NSTEP + 1];     /* and its content: the samples it names */
/* Functions of hist[1..head], kept up to date by append (so they add no
 * state): what replaying the whole log gives. */
byte lns;                /* its samples (total_samples) */
byte lwm;                /* its watermark (low_watermark_step) */
byte lcont[NSTEP + 1];   /* each step's content (complete if s < lns / B) */

/* ---- ghosts and scratch ------------------------------------------------------------- */
byte rph[NREAD];         /* each reader's phase and step (written by the reader alone) */
byte rs[NREAD];
byte gidx_wm;            /* REACH 1: the highest watermark whose indexes a GC has deleted */
bool greach;
byte vns, vwm, vcont;    /* scratch: replay's results (zero between steps) */
byte gi, gj, gk, gx;     /* scratch (zero between steps) */
/* the properties' verdicts, named so that spin's report names them (zero between steps) */
bool S1_index_names_the_logs_step, S2_delivers_the_logs_step,
     S3_reader_makes_progress, S4_reclaimed_only_below_watermark;

/* ---- the log -------------------------------------------------------------------------- */

/* The record x lands at the head (ls_table_commit, as lakestream.pml has it). */
inline append(x) {
    head++; hist[head] = x;
    if
    :: x >= WMREC ->
        if
        :: x - WMREC > lwm -> lwm = x - WMREC
        :: else
        fi
    :: else ->
        gj = 0;
        do
        :: gj < NSAMP(x) ->
            lcont[lns / B] = lcont[lns / B] | ((x * 2 + gj) << (4 * (lns % B)));
            lns++; gj++
        :: else -> break
        od;
        gj = 0
    fi
}

/* An actor's view, the log at version n, then (PUB_EARLY) one more record
 * `extra` (0: none), replayed (ls_state_apply, reduced to what the index
 * depends on): vns its samples, vwm its watermark, vcont step s's content
 * (complete if vns / B > s). */
inline replay(n, extra, s) {
    vns = 0; vwm = 0; vcont = 0; gi = 1;
    do
    :: gi <= n || (gi == n + 1 && extra != 0) ->
        if
        :: gi <= n -> gk = hist[gi]
        :: else -> gk = extra
        fi;
        if
        :: gk >= WMREC ->
            if
            :: gk - WMREC > vwm -> vwm = gk - WMREC
            :: else
            fi
        :: else ->
            gj = 0;
            do
            :: gj < NSAMP(gk) ->
                if
                :: vns / B == s -> vcont = vcont | ((gk * 2 + gj) << (4 * (vns % B)))
                :: else
                fi;
                vns++; gj++
            :: else -> break
            od
        fi;
        gi++
    :: else -> break
    od;
    gi = 0; gk = 0; gj = 0
}

inline scratch_zero() {     /* (gx is zeroed by its user) */
    vns = 0; vwm = 0; vcont = 0; gi = 0; gj = 0; gk = 0
}

/* mask := the data commits of hist[1..n] whose samples all lie below sample
 * lim (state_drop_reclaimed's test: the state no longer retains them) */
inline below(n, lim, mask) {
    mask = 0; gi = 1; gj = 0;
    do
    :: gi <= n ->
        gk = hist[gi];
        if
        :: gk < WMREC ->
            gj = gj + NSAMP(gk);
            if
            :: gj <= lim -> mask = mask | BIT(gk)
            :: else
            fi
        :: else
        fi;
        gi++
    :: else -> break
    od;
    gi = 0; gj = 0; gk = 0
}

/* i := the lowest i' >= i, i' < lim, in mask; lim if none */
inline next_in(mask, i, lim) {
    do
    :: i < lim && !((mask) & BIT(i)) -> i++
    :: else -> break
    od;
    skip
}

/* the MSC lines that name a step's samples: c<commit>.<its j-th sample> */
#define C0(x) CODE_C((x) & 15), ((x) & 15) % 2
#define C1(x) CODE_C((x) >> 4), ((x) >> 4) % 2
inline say_put(who, id, s, x) {
    if
    :: B == 1 -> printf("MSC: %c%d put _steps/%d: OK, names c%d.%d\n", who, id, s, C0(x))
    :: else -> printf("MSC: %c%d put _steps/%d: OK, names c%d.%d c%d.%d\n", who, id, s, C0(x), C1(x))
    fi
}
inline say_got(r, s, from_index, x) {
    if
    :: B == 1 && from_index -> printf("MSC: R%d step %d: delivered from _steps/%d: c%d.%d\n", r, s, s, C0(x))
    :: B == 1 && !from_index -> printf("MSC: R%d step %d: delivered from the log: c%d.%d\n", r, s, C0(x))
    :: B == 2 && from_index -> printf("MSC: R%d step %d: delivered from _steps/%d: c%d.%d c%d.%d\n", r, s, s, C0(x), C1(x))
    :: B == 2 && !from_index -> printf("MSC: R%d step %d: delivered from the log: c%d.%d c%d.%d\n", r, s, C0(x), C1(x))
    fi
}

/* ---- properties ------------------------------------------------------------------------ */

/* S2 on content x delivered for step s */
inline check_delivery(s, x) {
    S2_delivers_the_logs_step = (s < lns / B && x == lcont[s]);
    assert(S2_delivers_the_logs_step);
    S2_delivers_the_logs_step = 0
}

/* S4 on "step s is reclaimed" */
inline check_reclaimed(s) {
    S4_reclaimed_only_below_watermark = (s < lwm);
    assert(S4_reclaimed_only_below_watermark);
    S4_reclaimed_only_below_watermark = 0
}

/* ls_step_index_publish of step s from the view hist[1..n] (+ extra):
 * ls_step_index_build, then put_if_absent; EXISTS: read back and compare (a
 * difference is reported; the object is never overwritten).  S1 is checked
 * on what is written: a step the log has completed never changes, so an
 * index right when written stays right. */
inline put_index(who, id, s, n, extra) {
    replay(n, extra, s);
    if
    :: s >= RSTEPS -> skip              /* no reader reads it: left out (it would only
                                           multiply the states) */
    :: s < RSTEPS && vns / B > s ->     /* complete in the view: built */
        if
        :: !idx_ok[s] ->
            idx_ok[s] = 1; idx[s] = vcont;
            say_put(who, id, s, vcont);
            S1_index_names_the_logs_step = (s < lns / B && vcont == lcont[s]);
            assert(S1_index_names_the_logs_step);
            S1_index_names_the_logs_step = 0;
#if REACH == 1
            greach = (s < gidx_wm);
            assert(!greach);
#endif
            skip
        :: else ->
            if
            :: idx[s] == vcont -> printf("MSC: %c%d put _steps/%d: EXISTS, the same\n", who, id, s)
            :: else -> printf("MSC: %c%d put _steps/%d: EXISTS, DIFFERS\n", who, id, s)
            fi
        fi
    :: else -> skip                     /* not complete: LS_ERR_STATE, nothing written */
    fi;
    scratch_zero()
}

/* ---- producers -------------------------------------------------------------------------- */
proctype Producer(byte p)
{
    byte k = 1;         /* its next commit */
    byte c, n;          /* the commit, and its view once in (the log at version n) */
    byte s, s1;         /* the steps [s, s1) its record completes, indexes not yet put */
    do
#if !PUB_EARLY
    :: d_step { s == s1 && k <= NDATA ->
        /* ls_producer: the chunk (no one looks at it before the commit),
         * then ls_table_commit: the record lands at the head and is found
         * live; ls_table_apply_own */
        c = p * NDATA + k; k++;
        chunk[c] = 1;
        s = lns / B; append(c); n = head; s1 = lns / B;
        printf("MSC: P%d commit c%d at _log/%d (completes steps [%d, %d))\n", p, c, n, s, s1)
       }
#else
    :: d_step { s == s1 && c == 0 && k <= NDATA ->  /* wrong: the indexes first, from the view */
        c = p * NDATA + k; k++;                     /* of the head with our record next */
        chunk[c] = 1;
        n = head; replay(n, 0, 0); s = vns / B; replay(n, c, 0); s1 = vns / B; scratch_zero()
       }
    :: d_step { s == s1 && c != 0 ->
        append(c); c = 0; n = 0; s = 0; s1 = 0
       }
#endif
    /* publish_steps: each step's index, best effort */
    :: d_step { s < s1 -> put_index('P', p, s, n, c * PUB_EARLY); s++ }
    :: d_step { s < s1 -> printf("MSC: P%d put _steps/%d fails\n", p, s); s++ }
#if CRASH
    :: d_step { s < s1 -> printf("MSC: P%d crashes\n", p); k = NDATA + 1; s = s1 }
#endif
    :: d_step { s == s1 && k > NDATA && c * PUB_EARLY == 0 -> c = 0; n = 0; s = 0; s1 = 0 }; break
    od
}

/* ---- GC --------------------------------------------------------------------------------- */
#define G_REFRESH 1   /* ls_table_refresh: `before` = the commits of the view n */
#define G_COMMIT  2   /* ls_table_commit of the watermark record (gc_precheck) */
#define G_CHOOSE  3   /* (WM_LATE) the watermark, chosen from the view */
#define G_LIST    4   /* delete_step_indexes: LIST _steps/ */
#define G_DELIDX  5   /*   HEAD + DELETE _steps/<i>, i < w, listed */
#define G_DELCH   6   /* delete the chunks of `before`'s commits wholly below w */
#define G_ORPH    7   /* orphans: a fresh state (ls_table_refresh) */
#define G_DELOR   8   /*   delete the chunks of the commits it no longer retains */
#define G_LATE    9   /* (WM_LATE) commit the watermark now */
#define G_END    10

/* the next phase after the index deletions, the chunk deletions */
inline gc_after_idx() {
    if :: w > gidx_wm -> gidx_wm = w :: else fi;
#if CHUNKS_FIRST
    gc_to_orphans()
#else
    gc_to_chunks()
#endif
}
inline gc_after_chunks() {
#if CHUNKS_FIRST
    ph = G_LIST
#else
    gc_to_orphans()
#endif
}
inline gc_to_chunks() {
    replay(n, 0, 0); gx = vwm; scratch_zero();
    below(n, w * B, m);
    below(n, gx * B, i);
    m = m & ~i;                         /* (the view's state had dropped these) */
    gx = 0; i = 1; next_in(m, i, NC + 1);
    if
    :: i <= NC -> ph = G_DELCH
    :: else -> gc_after_chunks()
    fi
}
inline gc_to_orphans() {
#if ORPHANS
    ph = G_ORPH
#else
    gc_run_done()
#endif
}
inline gc_run_done() {
#if WM_LATE
    if
    :: ph != G_LATE -> ph = G_LATE
    :: else ->
#endif
    runs++; n = 0; w = 0; m = 0; i = 0;
    if
    :: runs < GC_RUNS -> ph = G_REFRESH
    :: else -> ph = G_END
    fi
#if WM_LATE
    fi
#endif
}
inline gc_committed() {
#if CHUNKS_FIRST
    gc_to_chunks()
#else
    ph = G_LIST
#endif
}

#if !WM_LATE
#define WM_AT(k) :: d_step { ph == G_COMMIT && k > lwm && k <= lns / B -> \
        append(WMREC + k); w = k; \
        printf("MSC: GC%d commit watermark %d at _log/%d\n", g, w, head); \
        gc_committed() }
#else
#define WM_AT(k) :: d_step { ph == G_CHOOSE && k > m && k <= i -> w = k; m = 0; i = 0; ph = G_LIST }
#endif

proctype GC(byte g)
{
    byte ph = G_REFRESH, runs;
    byte n;             /* the view at its refresh (`before`) */
    byte w;             /* its watermark */
    byte m, i;          /* what it deletes: a mask, the next one */
    do
    :: d_step { ph == G_REFRESH -> n = head;
#if WM_LATE
        replay(n, 0, 0); m = vwm; i = vns / B; scratch_zero();  /* the view's watermark, steps */
        ph = G_CHOOSE
#else
        ph = G_COMMIT
#endif
       }
    WM_AT(1)
#if NSTEP >= 2
    WM_AT(2)
#endif
#if NSTEP >= 3
    WM_AT(3)
#endif
#if NSTEP >= 4
    WM_AT(4)
#endif
#if NSTEP >= 5
    WM_AT(5)
#endif
#if NSTEP >= 6
    WM_AT(6)
#endif
#if !WM_LATE
    :: d_step { ph == G_COMMIT -> w = lwm; gc_committed() }   /* no checkpoint moved */
#else
    :: d_step { ph == G_CHOOSE -> w = m; m = 0; i = 0; ph = G_LIST }
#endif
    :: d_step { ph == G_LIST ->
        m = 0;
        for (i : 0 .. NSTEP - 1) { if :: idx_ok[i] -> m = m | BIT(i) :: else fi }
        i = 0; next_in(m, i, w);
        if
        :: i < w -> ph = G_DELIDX
        :: else -> gc_after_idx()
        fi
       }
    :: d_step { ph == G_DELIDX ->
        if
        :: idx_ok[i] -> idx_ok[i] = 0; idx[i] = 0; printf("MSC: GC%d delete _steps/%d\n", g, i)
        :: else
        fi;
        i++; next_in(m, i, w);
        if
        :: i >= w -> gc_after_idx()
        :: else
        fi
       }
    :: d_step { ph == G_DELCH ->
        if
        :: chunk[i] -> chunk[i] = 0; printf("MSC: GC%d delete the chunk of c%d\n", g, i)
        :: else
        fi;
        i++; next_in(m, i, NC + 1);
        if
        :: i > NC -> gc_after_chunks()
        :: else
        fi
       }
    :: d_step { ph == G_ORPH ->
        n = head; below(n, lwm * B, m);
        for (i : 1 .. NC) { if :: !chunk[i] -> m = m & ~BIT(i) :: else fi }
        i = 1; next_in(m, i, NC + 1);
        if
        :: i <= NC -> ph = G_DELOR
        :: else -> gc_run_done()
        fi
       }
    :: d_step { ph == G_DELOR ->
        if
        :: chunk[i] -> chunk[i] = 0; printf("MSC: GC%d delete the orphan chunk of c%d\n", g, i)
        :: else
        fi;
        i++; next_in(m, i, NC + 1);
        if
        :: i > NC -> gc_run_done()
        :: else
        fi
       }
#if WM_LATE
    :: d_step { ph == G_LATE ->
        if
        :: w > lwm && w <= lns / B -> append(WMREC + w);
            printf("MSC: GC%d commit watermark %d at _log/%d\n", g, w, head)
        :: else
        fi;
        gc_run_done()
       }
#endif
    :: ph == G_END -> break
    od
}

/* ---- readers ------------------------------------------------------------------------------- */
#define RP_POLL    1   /* the local checks, then GET the step's index (plan_index) */
#define RP_FIDX    2   /* GET the chunks the index names (fetch_parts) */
#define RP_FLOG    3   /* GET the chunks the state's commits name (plan_log, fetch_parts) */
#define RP_PUB     4   /* rank 0: put_if_absent(_steps/<s>), built from its state */
#define RP_REFRESH 5   /* log_refresh: ls_table_catch_up */
#define RP_WAIT    6   /* sleep; poll again, or (the index wait expired) read the log */
#define RP_THOR    7   /* a GET found nothing: ls_table_refresh_thorough, then judge */
#define RP_END     8

/* the reader's step is done: the next one */
inline next_step() {
    rs[r]++; rd = 0;
    if
    :: rs[r] >= RSTEPS -> rph[r] = RP_END
    :: else -> rph[r] = RP_POLL
    fi
}

proctype Reader(byte r)
{
    bool lazy = 1;      /* ls_table_open_lazy: no state until its first log read */
    byte n;             /* its state: the log at version n */
    byte rd;            /* the content of the index it found */
    rph[r] = RP_POLL;
end:
    do
    :: d_step { rph[r] == RP_POLL ->
        /* below the state's watermark: reclaimed (local) */
        if
        :: !lazy -> replay(n, 0, 0); gx = vwm; scratch_zero()
        :: else
        fi;
        do
        :: rs[r] < RSTEPS && rs[r] < gx ->
            printf("MSC: R%d step %d: reclaimed (its state)\n", r, rs[r]);
            check_reclaimed(rs[r]); rs[r]++
        :: else -> break
        od;
        gx = 0;
        if
        :: rs[r] >= RSTEPS -> rph[r] = RP_END; n = 0; lazy = 0
        :: idx_ok[rs[r]] && rs[r] < RSTEPS ->
            rd = idx[rs[r]]; rph[r] = RP_FIDX;
            printf("MSC: R%d step %d: _steps/%d found\n", r, rs[r], rs[r])
        :: else ->
            printf("MSC: R%d step %d: _steps/%d missing\n", r, rs[r], rs[r]);
            if
            :: !lazy -> replay(n, 0, 0); gx = vns / B; scratch_zero()
            :: else
            fi;
            if
            :: !lazy && rs[r] < gx -> rph[r] = RP_FLOG      /* complete in its state */
#if !NO_FALLBACK
            :: lazy -> rph[r] = RP_REFRESH                  /* its first miss: at once */
#endif
            :: else -> rph[r] = RP_WAIT
            fi;
            gx = 0
        fi
       }
    :: d_step { rph[r] == RP_FIDX ->
        if
        :: chunk[CODE_C(rd & 15)] && (B == 1 || chunk[CODE_C(rd >> 4)]) ->
            say_got(r, rs[r], 1, rd);
            check_delivery(rs[r], rd);
#if REACH == 4
            greach = (rs[r] < lwm); assert(!greach);
#endif
            next_step()
        :: else ->
            printf("MSC: R%d step %d: a chunk _steps/%d names is gone\n", r, rs[r], rs[r]);
            rph[r] = RP_THOR
        fi
       }
    :: d_step { rph[r] == RP_FLOG ->
        replay(n, 0, rs[r]); gx = vcont; scratch_zero();
        if
        :: chunk[CODE_C(gx & 15)] && (B == 1 || chunk[CODE_C(gx >> 4)]) ->
            say_got(r, rs[r], 0, gx);
            check_delivery(rs[r], gx);
#if REACH == 3
            greach = 1; assert(!greach);
#endif
            rph[r] = RP_PUB
        :: else ->
            printf("MSC: R%d step %d: a chunk of its state's commits is gone\n", r, rs[r]);
            rph[r] = RP_THOR
        fi;
        gx = 0
       }
    :: d_step { rph[r] == RP_PUB -> put_index('R', r, rs[r], n, 0); next_step() }
    :: d_step { rph[r] == RP_PUB -> printf("MSC: R%d put _steps/%d fails\n", r, rs[r]); next_step() }
    :: d_step { rph[r] == RP_REFRESH ->
        n = head; lazy = 0;
        printf("MSC: R%d read the log to %d\n", r, n);
        rph[r] = RP_POLL
       }
    /* Waiting.  Polls that find nothing new and log reads that find the head
     * where it was change nothing, and the model leaves them out: a reader
     * waits here until the index exists or the log has moved (the real one
     * polls the index, and reads the log every consumer.index.wait.ms). */
    :: d_step { rph[r] == RP_WAIT && idx_ok[rs[r]] -> rph[r] = RP_POLL }
#if !NO_FALLBACK
    :: d_step { rph[r] == RP_WAIT && head != n -> rph[r] = RP_REFRESH }
#endif
    :: d_step { rph[r] == RP_THOR ->    /* read_step's LS_ERR_NOT_FOUND: refresh, judge */
#if !OLD_WM
        n = head; lazy = 0;
#endif
        if
        :: !lazy -> replay(n, 0, 0); gx = vwm; scratch_zero()
        :: else
        fi;
        if
        :: rs[r] < gx ->
            printf("MSC: R%d step %d: reclaimed\n", r, rs[r]);
            check_reclaimed(rs[r]);
#if REACH == 2
            greach = (rd != 0); assert(!greach);
#endif
            skip
        :: else ->
            printf("MSC: R%d step %d: LS_ERR_CORRUPT\n", r, rs[r]);
            S4_reclaimed_only_below_watermark = 0;
            assert(S4_reclaimed_only_below_watermark)
        fi;
        gx = 0;
        next_step()
       }
    :: rph[r] == RP_END -> break
    od
}

/* ---- S3: when nothing else can move, every reader is done, or waits for a --------------------
 * step the log has not completed (and is stuck nowhere else) */
active proctype Quiesce()
{
    timeout ->
    d_step {
        S3_reader_makes_progress = 1;
        for (gi : 0 .. NREAD - 1) {
            S3_reader_makes_progress = S3_reader_makes_progress &&
                (rph[gi] == RP_END || (rph[gi] == RP_WAIT && rs[gi] >= lns / B))
        }
        gi = 0;
#if REACH == 5
        for (gi : 0 .. NREAD - 1) { greach = greach || rph[gi] == RP_WAIT }
        gi = 0
#endif
    }
    assert(S3_reader_makes_progress);
#if REACH == 5
    assert(!greach);
#endif
    S3_reader_makes_progress = 0
}

init {
    atomic {
        run Producer(0);
        run Producer(1);
        run GC(0);
#if NGC >= 2
        run GC(1);
#endif
        run Reader(0);
#if NREAD >= 2
        run Reader(1);
#endif
    }
}
