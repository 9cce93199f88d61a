/*
 * lakestream.pml -- Lakestream's commit protocol racing a GC that reclaims
 * log records, for spin (docs/model.md explains it; scripts/model-check.sh
 * runs it).
 *
 *   FIXED=0  the protocol of core/table.c today: a put_if_absent that
 *            succeeds is acknowledged at once.  Expected: P1 violated.
 *   FIXED=1  reclaim markers: GC creates a run marker and segment markers
 *            before it deletes, and a committer (or a reader) checks that
 *            what it put (or read) is live before it acts on it.
 *            Expected: P1-P5 hold, exhaustively, within the bounds.
 *
 * P1 an acknowledged commit is in the live log; P2 no (producer, seq) is
 * applied twice; P3 no fenced incarnation's commit is acknowledged; P4 every
 * state an actor acts on is the canonical log's; P5 an open is never fenced
 * by its own epoch bump.  The other switches select the bounds, or variants
 * of the fix that the model shows to be wrong (docs/model.md, "Variants").
 *
 * STEPS=1 adds table format 2's step index: a data commit holds one sample,
 * a step SB samples; a committer whose record is found live writes the
 * index of each step its record completes, built from its view
 * (ls_table_apply_own, publish_steps), and a reader (rank 0) writes the
 * index of each complete step of the view it read; any put may fail.
 * S1: every index names the canonical log's samples of its step, which the
 * canonical log has completed.  (step_index.pml models readers and GC
 * around the index, taking the log as this file proves it.)
 *
 * Layout: switches and bounds; the store (shared arrays); the replay rules;
 * the properties; then one proctype for every actor (producers, GCs, a
 * reader), written as a state machine whose every step is ONE store
 * operation followed by the local work up to the next one (local work
 * commutes with everything, so this loses no interleaving); last, a
 * monitor that checks P1-P3 (and S1) in every state.  Variables named g*, hist and
 * acked are ghosts for the properties: no actor decides anything by them.
 */

/* ---- switches (spin -DNAME=value) and bounds ------------------------------ */
#ifndef FIXED
#define FIXED      1   /* 0: current protocol, 1: reclaim markers */
#endif
#ifndef SAME_ID
#define SAME_ID    1   /* 1: the two producers are incarnations of one id */
#endif
#ifndef NDATA
#define NDATA      1   /* data commits per producer, after its epoch bump */
#endif
#ifndef NGC
#define NGC        1   /* concurrent GC runs (one process each) */
#endif
#ifndef GC_RUNS
#define GC_RUNS    1   /* runs per GC process, one after the other */
#endif
#ifndef READER
#define READER     0   /* 1: a reader that opens and uses its state; 2: then refreshes and uses it again */
#endif
#ifndef LOST
#define LOST       1   /* each producer may lose one put_if_absent reply */
#endif
#ifndef SKIPDEL
#define SKIPDEL    1   /* GC may keep any record below its snapshot */
#endif
#ifndef SEG
#define SEG        2   /* segment seg-<s> = versions [s, s+SEG), s = v / SEG * SEG */
#endif
#ifndef CSNAP
#define CSNAP      2   /* K > 0: a committer whose state reaches a multiple of K snapshots it (0: none) */
#endif
#ifndef CSNAP_EARLY
#define CSNAP_EARLY 0  /* 1: ... right after its put, before checking it is live (today's order) */
#endif
#ifndef SNAP_CIDS
#define SNAP_CIDS  1   /* 1: a snapshot records which commit ids are applied */
#endif
#ifndef EPOCH_OWNER
#define EPOCH_OWNER 0  /* 1: the state keeps, per producer, the commit id of the bump that set its epoch */
#endif
/* CHECK_Pn=0 leaves property n out (to see what else a variant breaks) */
#ifndef CHECK_P1
#define CHECK_P1   1
#endif
#ifndef CHECK_P2
#define CHECK_P2   1
#endif
#ifndef CHECK_P3
#define CHECK_P3   1
#endif
#ifndef CHECK_P4
#define CHECK_P4   1
#endif
#ifndef CHECK_P5
#define CHECK_P5   1
#endif
#ifndef BUMP_BY_EPOCH
#define BUMP_BY_EPOCH 0 /* 1: check (3) takes a bump as in when the state has its epoch */
#endif
#ifndef VERIFY_READS
#define VERIFY_READS 1 /* 0: FIXED verifies only a committer's own put, not what refreshes read */
#endif
#ifndef REACH
#define REACH      0   /* n > 0: assert that scenario n never happens (1 a put lands in a
                          reclaimed slot, 2 a committer finds its record dead, 3 a refresh
                          reloads; 4 an anomaly: out of slots, or LS_ERR_STATE; STEPS: 5 a
                          step index is written, 6 an index put finds one there) */
#endif
#ifndef VMAX
#define VMAX       6   /* log slots _log/1 .. _log/VMAX */
#endif
#ifndef STEPS
#define STEPS      0   /* 1: table format 2: a data commit holds one sample; committers (after
                          the live check) and a rank-0 reader write step indexes; S1 */
#endif
#ifndef SB
#define SB         1   /* STEPS: samples per step (global batch), 1 or 2 */
#endif
#ifndef IDX_EARLY
#define IDX_EARLY  0   /* STEPS, 1: a committer writes its indexes before the live check */
#endif
#ifndef CHECK_S1
#define CHECK_S1   1
#endif

#define NPROD   2
#if READER
#define NACT    (NPROD + NGC + 1)
#else
#define NACT    (NPROD + NGC)
#endif
#define NC      (NPROD * (1 + NDATA))        /* commit ids 1..NC */
#define NSEG    (VMAX / SEG + 1)
#define NSMPL   (NPROD * NDATA)              /* STEPS: samples (one per data commit) */
#define NSTEPS  (NSMPL / SB)                 /* STEPS: steps the log can complete */
#if STEPS && NSMPL > 4
#error "STEPS: at most 4 data commits (st_zero, st_copy)"
#endif
#if SAME_ID
#define NID     1
#define ID(p)   0
#else
#define NID     2
#define ID(p)   (p)
#endif

/* Commit id c is producer PROD(c)'s commit number (c-1) % (1+NDATA); number 0
 * is its epoch bump. */
#define PROD(c)    (((c) - 1) / (1 + NDATA))
#define IS_BUMP(c) ((((c) - 1) % (1 + NDATA)) == 0)
#define BIT(c)     (1 << (c))
#define BUMP(p)    ((p) * (1 + NDATA) + 1)      /* producer p's epoch bump */

/* roles, by _pid: producers 0..NPROD-1, then the GCs, then the reader */
#define PRODUCER 0
#define GCR      1
#define READR    2

/* where a refresh returns to */
#define RET_OPEN    0    /* ls_table_open: a first read */
#define RET_OPEN2   1    /* ls_table_open: the log's start was gone, read from the newest snapshot */
#define RET_ATTEMPT 2    /* ls_table_commit: read forward, then precheck and put */
#define RET_VERIFY  3    /* FIXED: check (3) after our own put */
#define RET_USE     4    /* reader: its second refresh */

/* phases: the store operation an actor does next */
#define PH_OPEN    1     /* GET a snapshot (the hint may be stale: any one, or none) */
#define PH_READ    2     /* GET _log/<ver+1> */
#define PH_SEGS    3     /* FIXED: HEAD the segment markers of the records just read */
#define PH_RUNS    4     /* FIXED: LIST run markers above the first record just read */
#define PH_RELOAD  5     /* LIST _log/ and GET the newest snapshot */
#define PH_PUT     6     /* put_if_absent(_log/<x>) */
#define PH_PROBE   7     /* GET _log/<x> after a lost reply */
#define PH_OWNSEG  8     /* FIXED: HEAD the segment marker of x */
#define PH_OWNRUN  9     /* FIXED: LIST run markers above x */
#define PH_SNAP   10     /* GC: put_if_absent(_log/<vs>.snapshot) */
#define PH_RUNMK  11     /* GC, FIXED: put_if_absent(_reclaim/<vs>) */
#define PH_RUNDEL 12     /* GC, FIXED: delete a run marker below vs */
#define PH_SEGMK  13     /* GC, FIXED: put_if_absent(_reclaim/seg-<s>) */
#define PH_DEL    14     /* GC: delete _log/<v> and _log/<v>.snapshot */
#define PH_CSNAP  15     /* committer: put_if_absent(_log/<ver>.snapshot) (CSNAP) */
#define PH_INDEX  16     /* STEPS: put_if_absent(_steps/<pub>) built from the view */
#define PH_END    17

/* ---- state: what replaying the log yields (core/table.c ls_state_apply) -- */
typedef Tstate {
    byte ver;        /* version */
    byte ep[NID];    /* producers: epoch */
    byte ls[NID];    /* producers: last_seq */
    byte own[NID];   /* producers: commit id of the bump that set the epoch (EPOCH_OWNER) */
    byte has;        /* commit ids this participant saw applied (replayed, or in its snapshot) */
    byte ghas;       /* ghost: commit ids of the records in the chain */
    byte gstl;       /* ghost: commit ids of stale records (rule 2) in the chain */
    bit  gdup;       /* ghost: rule 3 fired in the chain (a seq at or below last_seq) */
#if STEPS
    byte ns;         /* total_samples */
    byte smp[NSMPL]; /* the commit id of each sample (the commit index) */
#endif
}

/* ---- the store: one atomic step per operation ------------------------------- */
byte   log[VMAX + 2];      /* _log/<v>: a commit id, 0 = absent (log[VMAX+1] stays 0) */
bool   snap_ok[VMAX + 1];  /* _log/<v>.snapshot exists */
Tstate snap[VMAX + 1];     /* and its content */
bool   segmk[NSEG];        /* _reclaim/seg-<s> (FIXED): never deleted */
bool   runmk[VMAX + 1];    /* _reclaim/<vs>    (FIXED): deleted once a larger one exists */
#if STEPS
bool   idx_ok[NSTEPS];     /* _steps/<s> exists */
byte   idx[NSTEPS];        /* and its content: the commit ids of its samples, 3 bits each */
#endif

/* A record's content, frozen before its first attempt (ls_table_commit: it
 * never changes after); its producer id follows from the commit id. */
byte rec_epoch[NC + 1];
byte rec_seq[NC + 1];      /* seq_first = seq_last; 0 for a bump (no data) */

/* ---- ghosts ------------------------------------------------------------------- */
byte   hist[VMAX + 2];     /* the first record ever written at v: the canonical log */
byte   acked;              /* commit ids acknowledged (delivery reported, open returned) */
bool   greach;             /* REACH: the scenario under test happened */
Tstate lv;                 /* scratch: the live log's state (zero between steps) */
Tstate cv;                 /* scratch: the canonical state (zero between steps) */
byte   gi;                 /* scratch index (zero between steps) */
byte   gk;                 /* scratch index (zero between steps) */
#if STEPS
byte   gs;                 /* scratch index (zero between steps) */
#endif
/* the properties' verdicts, named so that spin's report names them (zero between steps) */
bool   P1_acked_commit_in_live_log, P2_no_sample_twice,
       P3_acked_record_not_fenced, P4_view_is_canonical_log, P5_open_not_fenced_by_own_bump;
bool   S1_index_names_the_logs_step;

/* ---- state helpers ---------------------------------------------------------------- */
inline st_zero(s) {
    s.ver = 0; s.has = 0; s.ghas = 0; s.gstl = 0; s.gdup = 0;
#if STEPS
    s.ns = 0; s.smp[0] = 0; s.smp[1] = 0;
#if NSMPL > 2
    s.smp[2] = 0; s.smp[3] = 0;
#endif
#endif
    s.ep[0] = 0; s.ls[0] = 0; s.own[0] = 0;
#if NID == 2
    s.ep[1] = 0; s.ls[1] = 0; s.own[1] = 0;
#endif
}

/* d := s, with d.has = cids */
inline st_copy(d, s, cids) {
    d.ver = s.ver; d.has = cids; d.ghas = s.ghas; d.gstl = s.gstl; d.gdup = s.gdup;
#if STEPS
    d.ns = s.ns; d.smp[0] = s.smp[0]; d.smp[1] = s.smp[1];
#if NSMPL > 2
    d.smp[2] = s.smp[2]; d.smp[3] = s.smp[3];
#endif
#endif
    d.ep[0] = s.ep[0]; d.ls[0] = s.ls[0]; d.own[0] = s.own[0];
#if NID == 2
    d.ep[1] = s.ep[1]; d.ls[1] = s.ls[1]; d.own[1] = s.own[1];
#endif
}

/* s := the snapshot at version n (0: the empty state) */
inline st_load(s, n) {
    if
    :: n == 0 -> st_zero(s)
#if SNAP_CIDS
    :: else -> st_copy(s, snap[n], snap[n].has)
#else
    :: else -> st_copy(s, snap[n], 0)      /* the real snapshot keeps no commit ids */
#endif
    fi
}

/* Replay rules 2 and 3 (rule 1, version = state's version + 1, holds by
 * construction: a record is applied at s.ver + 1). */
inline apply(s, c) {
    s.has = s.has | BIT(c);
    s.ghas = s.ghas | BIT(c);
    if
    :: rec_epoch[c] < s.ep[ID(PROD(c))] ->
        s.gstl = s.gstl | BIT(c)            /* rule 2: stale, carries nothing */
    :: else ->
        s.ep[ID(PROD(c))] = rec_epoch[c];
        if
        :: IS_BUMP(c) ->
#if EPOCH_OWNER
            s.own[ID(PROD(c))] = c
#else
            skip
#endif
        :: else ->
            if
            :: rec_seq[c] > s.ls[ID(PROD(c))] -> s.ls[ID(PROD(c))] = rec_seq[c];
#if STEPS
                if
                :: s.ns < NSMPL -> s.smp[s.ns] = c; s.ns++    /* its sample */
                :: else
                fi;
#endif
                skip
            :: else -> s.gdup = 1           /* rule 3: its seqs are in already */
            fi
        fi
    fi;
    s.ver++
}

/* n := the newest snapshot's version, 0 if none (a LIST of _log/) */
inline newest(n) {
    n = 0;
    for (gk : 1 .. VMAX) {
        if
        :: snap_ok[gk] -> n = gk
        :: else
        fi
    }
    gk = 0
}

/* ---- properties ------------------------------------------------------------------- */

#if STEPS
/* Step s's index as built from the state s (ls_step_index_build): the
 * commit ids of its SB samples, in order; the state must have completed it. */
#if SB == 1
#define STEP_OF(st, s)  (st.smp[s])
#else
#define STEP_OF(st, s)  (st.smp[2 * (s)] | st.smp[2 * (s) + 1] << 3)
#endif

/* S1: every index names the canonical log's samples of its step, and the
 * canonical log has completed the step (its content never changes after). */
inline check_steps() {
    st_zero(cv);
    gi = 1;
    do
    :: hist[gi] != 0 -> apply(cv, hist[gi]); gi++
    :: else -> break
    od;
    gi = 0;
    S1_index_names_the_logs_step = 1;
    for (gs : 0 .. NSTEPS - 1) {
        if
        :: idx_ok[gs] ->
            S1_index_names_the_logs_step = S1_index_names_the_logs_step &&
                gs < cv.ns / SB && idx[gs] == STEP_OF(cv, gs)
        :: else
        fi
    }
    gs = 0;
    S1_index_names_the_logs_step = (!CHECK_S1 || S1_index_names_the_logs_step);
    st_zero(cv);
    assert(S1_index_names_the_logs_step);
    S1_index_names_the_logs_step = 0
}
#endif

/* The live log: what a fresh reader replays, the newest snapshot and then
 * the slots after it until one is missing; into lv. */
inline live_chain() {
    newest(gi);
    st_copy(lv, snap[gi], 0);       /* snap[0] stays the empty state */
    gi = 0;
    do
    :: log[lv.ver + 1] != 0 -> apply(lv, log[lv.ver + 1])
    :: else -> break
    od
}

/* P1, P2 and P3 over the live log, for the commit ids in mask (acked). */
inline check_live(mask) {
    live_chain();
    P1_acked_commit_in_live_log = (!CHECK_P1 || (lv.ghas & (mask)) == (mask));
    P2_no_sample_twice = (!CHECK_P2 || !lv.gdup);
    P3_acked_record_not_fenced = (!CHECK_P3 || ((lv.gstl & (mask)) == 0
#if SAME_ID
        /* and no two incarnations opened (bump acknowledged) at one epoch */
        && !((acked & BIT(BUMP(0))) && (acked & BIT(BUMP(1))) &&
             rec_epoch[BUMP(0)] == rec_epoch[BUMP(1)])
#endif
        ));
    st_zero(lv);
    assert(P1_acked_commit_in_live_log);
    assert(P2_no_sample_twice);
    assert(P3_acked_record_not_fenced);
    P1_acked_commit_in_live_log = 0; P2_no_sample_twice = 0; P3_acked_record_not_fenced = 0;
#if STEPS
    check_steps();
#endif
    skip
}

/* P2 and P4 on a state an actor is about to act on (a reader's, the one a
 * committer prechecks, the one GC snapshots): rule 3 never fired in it,
 * and it is the canonical log's state at its version.  hist[1..ver] is
 * set once and never changes, so checking here is exact. */
inline check_view(s) {
    st_zero(cv);
    gi = 1;
    do
    :: gi <= s.ver -> assert(hist[gi] != 0); apply(cv, hist[gi]); gi++
    :: else -> break
    od;
    gi = 0;
    P2_no_sample_twice = (!CHECK_P2 || !s.gdup);
    P4_view_is_canonical_log = (!CHECK_P4 || cv.ver == s.ver && cv.ghas == s.ghas &&
        cv.gstl == s.gstl && cv.ep[0] == s.ep[0] && cv.ls[0] == s.ls[0] && cv.own[0] == s.own[0]
#if NID == 2
        && cv.ep[1] == s.ep[1] && cv.ls[1] == s.ls[1] && cv.own[1] == s.own[1]
#endif
        );
    st_zero(cv);
    assert(P2_no_sample_twice);
    assert(P4_view_is_canonical_log);
    P2_no_sample_twice = 0; P4_view_is_canonical_log = 0
}

/* ---- the actors' local steps (inlined into the state machine) ------------------------ */

inline read_forward(r) {    /* start a refresh that returns to r */
    ret = r; z0 = st.ver + 1; ph = PH_READ
}

inline finish() {
    st_zero(st);
    ph = PH_END; ret = 0; z0 = 0; x = 0; c = 0; e = 0; q = 0; k = 0; vs = 0; v = 0; lost = 0;
    runs = 0;
#if STEPS
    pub = 0; pube = 0;
#endif
    skip
}

/* GC: this run is over; another one, or the end */
inline gc_done() {
    runs++;
    if
    :: runs < GC_RUNS -> st_zero(st); vs = 0; v = 0; ph = PH_OPEN
    :: else -> finish()
    fi
}

/* Freeze commit k of producer p: k = 0 is the epoch bump (ls_producer_open:
 * epoch = current + 1), then data commits whose seqs follow the last_seq
 * of the state after the bump. */
inline freeze() {
    c = p * (1 + NDATA) + k + 1;
    if
    :: k == 0 -> e = st.ep[ID(p)] + 1; q = 0
    :: k == 1 -> q = st.ls[ID(p)] + 1
    :: else -> q++
    fi;
    rec_epoch[c] = e;
    rec_seq[c] = q
}

inline next_commit() {
    k++;
    if
    :: k > NDATA -> finish()
    :: else -> freeze(); read_forward(RET_ATTEMPT)
    fi
}

/* The commit is in: report delivery (or return from open); the next one.
 * (The monitor checks P1-P3 for it from this state on.) */
inline ack() {
    printf("MSC: P%d ack c%d (epoch %d, seq %d)\n", p, c, e, q);
    acked = acked | BIT(c);
    x = 0;
#if STEPS
    if
    :: pub < pube -> ph = PH_INDEX                 /* publish_steps (ls_table_apply_own) */
    :: else -> pub = 0; pube = 0; after_ack()
    fi
#else
    after_ack()
#endif
}

inline after_ack() {
#if CSNAP && !CSNAP_EARLY
    if
    :: st.ver % CSNAP == 0 -> ph = PH_CSNAP
    :: else -> next_commit()
    fi
#else
    next_commit()
#endif
}

/* The reader is done with a state it read (open, or READER 2's refresh). */
inline reader_done() {
    if
    :: ret == RET_USE -> finish()
    :: else ->
#if READER >= 2
        read_forward(RET_USE)
#else
        finish()
#endif
    fi
}

#if STEPS
/* The step indexes are written (or given up): what comes next. */
inline after_index() {
    pub = 0; pube = 0;
    if
    :: role == PRODUCER && x != 0 -> ph = PH_OWNSEG     /* IDX_EARLY: the live check now */
    :: role == PRODUCER && x == 0 -> after_ack()
    :: role == READR -> reader_done()
    fi
}
#endif

/* The reader uses its state: rank 0 reads each complete step through the
 * log (its index missing) and writes the index (read_step). */
inline reader_use() {
#if STEPS
    pub = 0; pube = st.ns / SB;
    if
    :: pube > 0 -> ph = PH_INDEX
    :: else -> after_index()
    fi
#else
    reader_done()
#endif
}

/* One attempt of ls_table_commit on a state just read: landed?  precheck
 * (core/producer.c precheck), then put at the next version. */
inline attempt() {
    check_view(st);
    if
    :: (st.has & BIT(c)) -> ack()                  /* replay applied our commit id */
#if EPOCH_OWNER
    :: !(st.has & BIT(c)) && k == 0 && st.ep[ID(p)] == e && st.own[ID(p)] == c -> ack()
#endif
    :: else ->
        if
        :: k == 0 && st.ep[ID(p)] >= e ->          /* our epoch is taken */
            printf("MSC: P%d fenced\n", p);
            /* P5: by someone else's epoch, not by our own bump (which this
             * state may hold without showing its commit id) */
#if CHECK_P5
            P5_open_not_fenced_by_own_bump = !(st.ep[ID(p)] == e && (st.ghas & BIT(c)));
            assert(P5_open_not_fenced_by_own_bump);
            P5_open_not_fenced_by_own_bump = 0;
#endif
            finish()
        :: k > 0 && st.ep[ID(p)] > e ->
            printf("MSC: P%d fenced\n", p); finish()
        :: k > 0 && st.ep[ID(p)] == e && st.ls[ID(p)] >= q -> ack()   /* already in */
        :: k > 0 && st.ep[ID(p)] < e && st.ls[ID(p)] >= q ->            /* LS_ERR_STATE */
#if REACH == 4
            greach = 1;
#endif
            finish()
        :: else ->
            x = st.ver + 1;
            if
            :: x > VMAX ->                         /* out of slots: the bound */
#if REACH == 4
                greach = 1;
#endif
                finish()
            :: else -> ph = PH_PUT
            fi
        fi
    fi
}

/* Our record is at x (the put succeeded, or the read-back found it). */
inline own_landed() {
#if STEPS
    pub = st.ns / SB;                              /* the steps [pub, pube) it completes */
#endif
    apply(st, c);                                  /* ls_table_apply_own */
#if STEPS
    pube = st.ns / SB;
#endif
#if FIXED
#if STEPS && IDX_EARLY
    if
    :: pub < pube -> ph = PH_INDEX                 /* wrong: before the live check */
    :: else -> ph = PH_OWNSEG
    fi
#elif CSNAP && CSNAP_EARLY
    if
    :: st.ver % CSNAP == 0 -> ph = PH_CSNAP
    :: else -> ph = PH_OWNSEG
    fi
#else
    ph = PH_OWNSEG
#endif
#else
    ack()                                          /* delivery reported now */
#endif
}

/* A refresh is done (and, FIXED, what it read is verified). */
inline refreshed() {
    if
    :: ret == RET_OPEN && st.ver == 0 -> read_forward(RET_OPEN2); ph = PH_RELOAD
    :: (ret == RET_OPEN && st.ver > 0) || ret == RET_OPEN2 ->
        if
        :: role == PRODUCER -> k = 0; freeze(); attempt()
        :: role == GCR ->
            check_view(st);
            vs = st.ver;
            if
            :: vs == 0 -> gc_done()
            :: else -> ph = PH_SNAP
            fi
        :: role == READR -> check_view(st); reader_use()
        fi
    :: ret == RET_ATTEMPT -> attempt()
    :: ret == RET_VERIFY ->                        /* check (3): reloaded, read forward */
        if
        :: (st.has & BIT(c)) -> ack()
        :: !(st.has & BIT(c)) && k > 0 && st.ep[ID(p)] == e && st.ls[ID(p)] >= q -> ack()
#if BUMP_BY_EPOCH
        :: k == 0 && !(st.has & BIT(c)) && st.ep[ID(p)] == e -> ack()
#endif
#if EPOCH_OWNER
        :: k == 0 && !(st.has & BIT(c)) && st.ep[ID(p)] == e && st.own[ID(p)] == c -> ack()
#endif
        :: else ->
            printf("MSC: P%d _log/%d (c%d) is dead: retry at the head\n", p, x, c);
#if REACH == 2
            greach = 1;
#endif
            attempt()
        fi
    :: ret == RET_USE -> check_view(st); reader_use()
    fi
}

/* The put found _log/<x> absent and wrote our record there. */
inline put_own() {
    log[x] = c;
    if
    :: hist[x] == 0 -> hist[x] = c
    :: else ->
        printf("MSC: P%d put c%d into reclaimed _log/%d\n", p, c, x);
#if REACH == 1
        greach = 1;
#endif
        skip
    fi
}

/* GC: the snapshot at v goes with the record; then the next version. */
inline del_next() {
    if
    :: snap_ok[v] -> snap_ok[v] = 0; st_zero(snap[v])
    :: else
    fi;
    v++;
    if
    :: v >= vs -> gc_done()
#if FIXED
    :: v < vs && v % SEG == 0 -> ph = PH_SEGMK
#endif
    :: else
    fi
}

/* ls_table_open from the snapshot at n (stale hint, or the probe found it) */
#define OPEN_AT(n) :: d_step { ph == PH_OPEN && snap_ok[n] -> st_load(st, n); read_forward(RET_OPEN) }

/* ---- the actors ---------------------------------------------------------------------- */
active [NACT] proctype Actor()
{
    Tstate st;
    byte role = (_pid < NPROD -> PRODUCER : (_pid < NPROD + NGC -> GCR : READR));
    byte p = (_pid < NPROD -> _pid : 0);
    byte ph = PH_OPEN, ret = RET_OPEN;
    byte z0;        /* refresh: the first version read in this pass */
    byte c, e, q;   /* producer: the record being committed (commit id, epoch, seq) */
    byte k;         /* producer: its commit number */
    byte x;         /* producer: the version it puts at */
    bool lost;      /* producer: its lost reply is spent */
    byte vs, v;     /* GC: its snapshot, the version it deletes next */
    byte runs;      /* GC: runs done */
#if STEPS
    byte pub, pube; /* producer, reader: the step indexes [pub, pube) still to write */
#endif

    do
    /* -- loading and refreshing (core/table.c load_state, refresh_watch) -- */
    /* GET a snapshot: the hint may be stale, so any existing one, or none */
    :: d_step { ph == PH_OPEN -> st_zero(st); read_forward(RET_OPEN) }
    OPEN_AT(1)
    OPEN_AT(2)
    OPEN_AT(3)
#if VMAX >= 4
    OPEN_AT(4)
#endif
#if VMAX >= 5
    OPEN_AT(5)
#endif
#if VMAX >= 6
    OPEN_AT(6)
#endif
#if VMAX >= 7
    OPEN_AT(7)
#endif
#if VMAX >= 8
    OPEN_AT(8)
#endif
#if VMAX > 8
#error "VMAX > 8: add OPEN_AT lines"
#endif
    :: d_step { ph == PH_READ && log[st.ver + 1] != 0 ->
        apply(st, log[st.ver + 1])
       }
    :: d_step { ph == PH_READ && log[st.ver + 1] == 0 ->   /* missing: the head */
        if
        :: role == PRODUCER -> printf("MSC: P%d read to %d\n", _pid, st.ver)
        :: role == GCR -> printf("MSC: GC%d read to %d\n", _pid, st.ver)
        :: else -> printf("MSC: R%d read to %d\n", _pid, st.ver)
        fi;
#if FIXED && VERIFY_READS
        if
        :: st.ver >= z0 -> ph = PH_SEGS    /* records z0..ver were read: verify them */
        :: else -> refreshed()
        fi
#else
        refreshed()                        /* no timing guard: R/2 re-checks are absent */
#endif
       }
#if FIXED
    :: d_step { ph == PH_SEGS ->       /* HEAD _reclaim/seg-<s> of z0..ver */
        gi = 0;
        for (gk : z0 .. st.ver) { gi = gi | segmk[gk / SEG] }
        gk = 0;
        if
        :: gi == 0 -> refreshed()      /* none: never reclaimed, live */
        :: else -> ph = PH_RUNS
        fi;
        gi = 0
       }
    :: d_step { ph == PH_RUNS ->       /* LIST _reclaim/ after z0 */
        gi = 0;
        for (gk : z0 + 1 .. VMAX) { gi = gi | runmk[gk] }
        gk = 0;
        if
        :: gi == 0 -> refreshed()      /* no GC deleted at or after z0: live */
        :: else ->
            printf("MSC: %d: %d..%d may be reclaimed: reload\n", _pid, z0, st.ver);
#if REACH == 3
            greach = 1;
#endif
            ph = PH_RELOAD
        fi;
        gi = 0
       }
#endif
    :: d_step { ph == PH_RELOAD ->     /* LIST _log/, GET the newest snapshot */
        newest(v);
        st_load(st, v);
        v = 0;
        z0 = st.ver + 1;
        ph = PH_READ
       }

    /* -- a producer: ls_table_commit -- */
    /* put_if_absent(_log/<x>), the reply seen */
    :: d_step { ph == PH_PUT ->
        if
        :: log[x] == 0 ->
            put_own();
            printf("MSC: P%d put _log/%d: OK\n", p, x);
            own_landed()
        :: else ->
            printf("MSC: P%d put _log/%d: EXISTS\n", p, x);
            read_forward(RET_ATTEMPT)
        fi
       }
#if LOST
    /* put_if_absent(_log/<x>), the reply lost (once per producer) */
    :: d_step { ph == PH_PUT && !lost ->
        lost = 1;
        if
        :: log[x] == 0 -> put_own(); printf("MSC: P%d put _log/%d: OK, reply lost\n", p, x)
        :: else -> printf("MSC: P%d put _log/%d: EXISTS, reply lost\n", p, x)
        fi;
        ph = PH_PROBE
       }
#endif
    :: d_step { ph == PH_PROBE ->      /* GET _log/<x>: ours? (probe_version) */
        if
        :: log[x] == c -> printf("MSC: P%d read back _log/%d: ours\n", p, x); own_landed()
        :: else ->                     /* absent: retry; someone else's: as EXISTS */
            printf("MSC: P%d read back _log/%d: not ours\n", p, x);
            read_forward(RET_ATTEMPT)
        fi
       }
#if FIXED
    :: d_step { ph == PH_OWNSEG ->     /* (1) HEAD _reclaim/seg-<s> of x */
        if
        :: !segmk[x / SEG] -> ack()
        :: else -> ph = PH_OWNRUN
        fi
       }
    :: d_step { ph == PH_OWNRUN ->     /* (2) LIST _reclaim/ after x */
        gi = 0;
        for (gk : x + 1 .. VMAX) { gi = gi | runmk[gk] }
        gk = 0;
        if
        :: gi == 0 -> ack()
        :: else ->                                           /* (3) */
#if STEPS
            pub = 0; pube = 0;     /* own_record_at reloads: no ls_table_apply_own */
#endif
            read_forward(RET_VERIFY); ph = PH_RELOAD
        fi;
        gi = 0
       }
#endif

#if CSNAP
    :: d_step { ph == PH_CSNAP ->      /* put_if_absent(_log/<ver>.snapshot), best effort */
        if
        :: !snap_ok[st.ver] -> snap_ok[st.ver] = 1; st_copy(snap[st.ver], st, st.has);
            printf("MSC: P%d snapshot %d\n", p, st.ver)
        :: else -> printf("MSC: P%d snapshot %d: exists\n", p, st.ver)
        fi;
#if CSNAP_EARLY && FIXED
        ph = PH_OWNSEG
#else
        next_commit()
#endif
       }
#endif

#if STEPS
    /* -- ls_step_index_publish: build from the view, put_if_absent; EXISTS: read back, compare -- */
    :: d_step { ph == PH_INDEX ->
        if
        :: !idx_ok[pub] -> idx_ok[pub] = 1; idx[pub] = STEP_OF(st, pub);
            if
            :: role == PRODUCER -> printf("MSC: P%d put _steps/%d: OK (c%d)\n", p, pub, st.smp[pub * SB])
            :: else -> printf("MSC: R%d put _steps/%d: OK (c%d)\n", _pid, pub, st.smp[pub * SB])
            fi;
#if REACH == 5
            greach = 1;
#endif
            skip
        :: else ->
            if
            :: role == PRODUCER -> printf("MSC: P%d put _steps/%d: EXISTS\n", p, pub)
            :: else -> printf("MSC: R%d put _steps/%d: EXISTS\n", _pid, pub)
            fi;
#if REACH == 6
            greach = 1;
#endif
            skip
        fi;
        pub++;
        if
        :: pub >= pube -> after_index()
        :: else
        fi
       }
    :: d_step { ph == PH_INDEX ->      /* a put fails (or the writer dies): no more indexes */
        after_index()
       }
#endif

    /* -- GC: core/retention.c ls_table_gc steps 4 and 5 -- */
    :: d_step { ph == PH_SNAP ->       /* put_if_absent(_log/<vs>.snapshot): EXISTS is fine */
        if
        :: !snap_ok[vs] -> snap_ok[vs] = 1; st_copy(snap[vs], st, st.has);
            printf("MSC: GC%d snapshot %d\n", _pid, vs)
        :: else -> printf("MSC: GC%d snapshot %d: exists\n", _pid, vs)
        fi;
        st_zero(st);
        v = 1;
#if FIXED
        ph = PH_RUNMK
#else
        if
        :: v < vs -> ph = PH_DEL
        :: else -> gc_done()
        fi
#endif
       }
#if FIXED
    :: d_step { ph == PH_RUNMK ->      /* put_if_absent(_reclaim/<vs>) */
        runmk[vs] = 1;
        printf("MSC: GC%d run marker %d\n", _pid, vs);
        ph = PH_RUNDEL
       }
    :: d_step { ph == PH_RUNDEL ->     /* delete one older run marker, if any */
        gi = 0;
        for (gk : 1 .. vs - 1) {
            if
            :: gi == 0 && runmk[gk] -> gi = gk
            :: else
            fi
        }
        gk = 0;
        if
        :: gi != 0 -> runmk[gi] = 0
        :: else ->
            if
            :: v < vs -> ph = PH_SEGMK
            :: else -> gc_done()
            fi
        fi;
        gi = 0
       }
    :: d_step { ph == PH_SEGMK ->      /* put_if_absent(_reclaim/seg-<s>), before its first delete */
        if
        :: !segmk[v / SEG] -> segmk[v / SEG] = 1;
            printf("MSC: GC%d segment marker %d\n", _pid, v / SEG * SEG)
        :: else
        fi;
        ph = PH_DEL
       }
#endif
    /* delete _log/<v> (and _log/<v>.snapshot), v < vs, ascending */
    :: d_step { ph == PH_DEL ->
        log[v] = 0;
        printf("MSC: GC%d delete _log/%d\n", _pid, v);
        del_next()
       }
#if SKIPDEL
    :: d_step { ph == PH_DEL ->        /* kept: retained data, or not older than the cut */
        del_next()
       }
#endif
    :: atomic { ph == PH_END -> break }
    od
}

/* ---- P1-P3 in every state; the reachability checks ----------------------------------- */
active proctype Monitor()
{
end:
    do
    :: d_step { check_live(acked) }
#if REACH
    :: d_step { assert(!greach) }
#endif
    od
}
