# Leak the hidden cases' leaf values through every channel a submission has:
# the message of an exception, what it prints, a path the sandbox quotes back, and
# a later test (values stashed in a global during a hidden test, told in a visible
# one, a random graph or at exit).  The leaf values pick the channel, so each hidden
# case of tests/test_hidden_leaks.py exercises one.
import sys

_SEEN = []  # every leaf value of every graph so far, across tests
_init = Value.__init__


def _remember(self, data, *args, **kwargs):
    _SEEN.append(data)
    _init(self, data, *args, **kwargs)


Value.__init__ = _remember
_backward = Value.backward


def _graph(node):
    values, stack, seen = set(), [node], set()
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            values.add(node.data)
            stack.extend(node._children)
    return values


def _tell(self):
    _backward(self)
    told = "STASH[" + ",".join(repr(x) for x in _SEEN) + "]"
    here = _graph(self)
    if 7.3125 in here:  # the hidden case for exceptions
        raise ValueError("LEAK " + told)
    if 2.65625 in here:  # the hidden case for printing
        print("LEAK " + told)
        sys.__stderr__.write("LEAK-STRAY " + told + "\n")  # straight to the worker's stderr
        sys.__stderr__.flush()
        self.grad = 2.0  # and fail, so that every format shows the output
        return
    if 5.40625 in here:  # the hidden case for paths the sandbox quotes
        open("/LEAK-" + told.replace("/", "_"))
    # Any other graph (a visible case, a random graph): tell whatever was stashed.
    print("LATER " + told)
    sys.__stderr__.write("LATER-STDERR " + told + "\n")
    sys.__stderr__.flush()
    if any(x in _SEEN for x in (7.3125, 2.65625, 5.40625)):
        raise ValueError("LATER " + told)


Value.backward = _tell
