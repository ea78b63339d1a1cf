"""libstdc++'s std::sort, std::nth_element and std::partial_sort replayed on a Python list.

PyTorch's CPU topk selects with these (built with GCC's library): among tied values the
indices it returns are an artifact of the algorithm, reproduced here so that topk names the
same elements (and routes the gradient the same way). Used only for rows holding ties or NaN.
"""


def _lg(n):
    return n.bit_length() - 1


class _Algo:
    def __init__(self, a, less):
        self.a, self.less = a, less

    def swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    def c(self, i, j):
        return self.less(self.a[i], self.a[j])

    # --- heaps
    def push_heap(self, first, hole, top, value):
        a, less = self.a, self.less
        parent = (hole - 1) // 2
        while hole > top and less(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[first + hole] = value

    def adjust_heap(self, first, hole, length, value):
        a = self.a
        top = hole
        child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if self.c(first + child, first + child - 1):
                child -= 1
            a[first + hole] = a[first + child]
            hole = child
        if (length & 1) == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[first + hole] = a[first + child - 1]
            hole = child - 1
        self.push_heap(first, hole, top, value)

    def make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        parent = (length - 2) // 2
        while True:
            self.adjust_heap(first, parent, length, self.a[first + parent])
            if parent == 0:
                return
            parent -= 1

    def pop_heap(self, first, last, result):
        a = self.a
        value = a[result]
        a[result] = a[first]
        self.adjust_heap(first, 0, last - first, value)

    def heap_select(self, first, middle, last):
        self.make_heap(first, middle)
        for i in range(middle, last):
            if self.c(i, first):
                self.pop_heap(first, middle, i)

    def sort_heap(self, first, last):
        while last - first > 1:
            last -= 1
            self.pop_heap(first, last, last)

    # --- partitions and insertion sorts
    def move_median_to_first(self, result, x, y, z):
        c = self.c
        if c(x, y):
            if c(y, z):
                self.swap(result, y)
            elif c(x, z):
                self.swap(result, z)
            else:
                self.swap(result, x)
        elif c(x, z):
            self.swap(result, x)
        elif c(y, z):
            self.swap(result, z)
        else:
            self.swap(result, y)

    def unguarded_partition(self, first, last, pivot):
        while True:
            while self.c(first, pivot):
                first += 1
            last -= 1
            while self.c(pivot, last):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def unguarded_partition_pivot(self, first, last):
        mid = first + (last - first) // 2
        self.move_median_to_first(first, first + 1, mid, last - 1)
        return self.unguarded_partition(first + 1, last, first)

    def unguarded_linear_insert(self, last):
        a, less = self.a, self.less
        val = a[last]
        nxt = last - 1
        while less(val, a[nxt]):
            a[last] = a[nxt]
            last = nxt
            nxt -= 1
        a[last] = val

    def insertion_sort(self, first, last):
        if first == last:
            return
        a = self.a
        for i in range(first + 1, last):
            if self.c(i, first):
                val = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self.unguarded_linear_insert(i)

    def final_insertion_sort(self, first, last):
        if last - first > 16:
            self.insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self.unguarded_linear_insert(i)
        else:
            self.insertion_sort(first, last)

    # --- the algorithms
    def introsort_loop(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.heap_select(first, last, last)
                self.sort_heap(first, last)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            self.introsort_loop(cut, last, depth)
            last = cut

    def sort(self, first, last):
        if first != last:
            self.introsort_loop(first, last, _lg(last - first) * 2)
            self.final_insertion_sort(first, last)

    def nth_element(self, first, nth, last):
        if first == last or nth == last:
            return
        depth = _lg(last - first) * 2
        while last - first > 3:
            if depth == 0:
                self.heap_select(first, nth + 1, last)
                self.swap(first, nth)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self.insertion_sort(first, last)

    def partial_sort(self, first, middle, last):
        self.heap_select(first, middle, last)
        self.sort_heap(first, middle)


def topk_order(values, k, largest, sorted_=True):
    """Indices of PyTorch's CPU topk(values, k) for one row (libstdc++ algorithms)."""
    n = len(values)
    queue = [(v, i) for i, v in enumerate(values)]
    if largest:
        less = lambda x, y: (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]
    else:
        less = lambda x, y: (x[0] == x[0] and y[0] != y[0]) or x[0] < y[0]
    algo = _Algo(queue, less)
    if k * 64 <= n:
        algo.partial_sort(0, k, n)
    elif k:
        algo.nth_element(0, k - 1, n)
        if sorted_:
            algo.sort(0, k - 1)
    return [i for _, i in queue[:k]]
