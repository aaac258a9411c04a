package dev.gale.tune.search.internal.tpe;

/**
 * The layout of a {@link Parzen1D}'s kernels for its fast evaluation ({@link Parzen1D#approx}): the
 * kernels at the common bandwidth (the clip floor, most of them once there are many) summed by the
 * cells of a {@link HermiteCells}, and the index of the others, which keep their own bandwidths and
 * are summed directly, with the running maxima of those bandwidths from either end for the tail cut.
 *
 * <p>{@link #build} lays out the kernels of a fit. {@link #inserted} follows the insertion of one
 * kernel ({@link Parzen1D#append}): it refreshes the bandwidths of the new kernel and of the two
 * beside it (the only ones that change), moves kernels between the cells and the direct index as
 * their bandwidths leave or reach the floor, and recomputes, from their kernels in order, the cells
 * whose kernels changed (those and the ones whose weights moved into the ramp).
 *
 * <p>Promises: after {@link #inserted} the cells and the index are, to the bit, what {@link #build}
 * gives for the longer list of kernels. The index arrays are package-visible for the estimator's
 * loops; a buffer reused by every fit.
 */
final class CellSummedKernels {
    /** The common-bandwidth kernels by cells. */
    final HermiteCells cells = new HermiteCells();
    int[] dIdx = new int[16];         // the other kernels (their own bandwidth), ascending
    double[] dPre = new double[16];   // max sigma over dIdx[0..j]
    double[] dSuf = new double[16];   // max sigma over dIdx[j..nd)
    int nd;
    private boolean dReady;
    private final double[] acc0 = new double[HermiteCells.P];
    private final double[] acc1 = new double[HermiteCells.P];
    private final double[] accF = new double[HermiteCells.P];
    private final int[] touchedCells = new int[8];
    private int touched;

    /** Room for {@code cap} kernels (the direct index kept). */
    void grow(int cap) {
        dIdx = java.util.Arrays.copyOf(dIdx, cap);
        dPre = new double[cap];
        dSuf = new double[cap];
    }

    /** Lays out the kernels of a fit: those at the clip floor ({@code k.minSigma}) into cells, the others into the direct index. */
    void build(Kernels1D k) {
        double s0 = k.minSigma;
        cells.reset(s0, k.lo, k.span);
        nd = 0;
        int from = 0;
        int cur = -1;
        for (int i = 0; i < k.m; i++) {
            if (k.sigma[i] != s0) {
                dIdx[nd++] = i;
                continue;
            }
            int b = cells.cellOf(k.mu[i]);
            if (b != cur) {
                if (cur >= 0) storeCell(k, cur, from, i);
                cur = b;
                from = i;
            }
        }
        if (cur >= 0) storeCell(k, cur, from, k.m);
        dReady = false;
    }

    /**
     * Follows {@code k.insert}, which put a kernel at index {@code q} (its bandwidth still NaN) and
     * moved the ramp's end from {@code oldRampEnd}: sets the bandwidths that changed and brings the
     * cells and the direct index up to date.
     */
    void inserted(Kernels1D k, int q, int oldRampEnd) {
        for (int j = 0; j < nd; j++) if (dIdx[j] >= q) dIdx[j]++;
        touched = 0;
        double s0 = cells.bandwidth();
        // kernels whose weight moved from 1 into the ramp
        for (int r = oldRampEnd; r < k.rampEnd(); r++) {
            int i = k.indexOfRank(r);
            if (k.sigma[i] == s0) touch(cells.cellOf(k.mu[i]));
        }
        // a bandwidth depends only on the kernel's neighbours in the order of the range's ends, the
        // prior's centre and the data: only the new kernel and the two beside it have new ones
        for (int i = Math.max(0, q - 1), end = Math.min(k.m, q + 2); i < end; i++) {
            double ns = k.bandwidth(i);
            double os = k.sigma[i];
            if (ns == os) continue; // the new kernel's NaN never equals
            if (os == s0) touch(cells.cellOf(k.mu[i]));
            else if (os == os) removeDirect(i);
            k.setBandwidth(i, ns);
            if (ns == s0) touch(cells.cellOf(k.mu[i]));
            else addDirect(i);
        }
        for (int t = 0; t < touched; t++) {
            int b = touchedCells[t];
            storeCell(k, b, firstOfCell(k, b), firstOfCell(k, b + 1));
        }
        dReady = false;
        cells.invalidate();
    }

    /** Computes {@link #dPre} and {@link #dSuf} from the kernels' bandwidths unless they are current. */
    void prepareDirect(double[] sigma) {
        if (!dReady) {
            double run = 0;
            for (int j = 0; j < nd; j++) {
                run = Math.max(run, sigma[dIdx[j]]);
                dPre[j] = run;
            }
            run = 0;
            for (int j = nd - 1; j >= 0; j--) {
                run = Math.max(run, sigma[dIdx[j]]);
                dSuf[j] = run;
            }
            dReady = true;
        }
    }

    /** The first kernel index of cell b or a later one. */
    private int firstOfCell(Kernels1D k, int b) {
        double[] mu = k.mu;
        int a = 0, e = k.m;
        while (a < e) {
            int mid = (a + e) >>> 1;
            if (cells.cellOf(mu[mid]) < b) a = mid + 1; else e = mid;
        }
        return a;
    }

    /** Recomputes cell b's moments from its kernels (indices [from, to) hold them and maybe others of their own bandwidth). */
    private void storeCell(Kernels1D k, int b, int from, int to) {
        java.util.Arrays.fill(acc0, 0);
        java.util.Arrays.fill(acc1, 0);
        java.util.Arrays.fill(accF, 0);
        double s0 = cells.bandwidth();
        int rampEnd = k.rampEnd();
        for (int i = from; i < to; i++) {
            if (k.sigma[i] != s0) continue;
            double t = k.zInvOf(i);
            double u = cells.offset(b, k.mu[i]);
            if (k.rank[i] < rampEnd) { // rampEnd is 0 unless ranked
                powers(acc0, t, u);
                powers(acc1, k.rank[i] * t, u);
            } else {
                powers(accF, k.ranked ? t : k.w[i] * t, u);
            }
        }
        cells.store(b, acc0, acc1, accF);
    }

    private static void powers(double[] acc, double a, double u) {
        double u2 = u * u;
        double p1 = a * u;
        double p2 = a * u2;
        acc[0] += a;
        acc[1] += p1;
        acc[2] += p2;
        acc[3] += p1 * u2;
        acc[4] += p2 * u2;
        acc[5] += p1 * (u2 * u2);
    }

    private void touch(int b) {
        for (int t = 0; t < touched; t++) if (touchedCells[t] == b) return;
        touchedCells[touched++] = b;
    }

    private void removeDirect(int i) {
        int j = java.util.Arrays.binarySearch(dIdx, 0, nd, i);
        System.arraycopy(dIdx, j + 1, dIdx, j, nd - j - 1);
        nd--;
    }

    private void addDirect(int i) {
        int j = -java.util.Arrays.binarySearch(dIdx, 0, nd, i) - 1;
        System.arraycopy(dIdx, j, dIdx, j + 1, nd - j);
        dIdx[j] = i;
        nd++;
    }
}
