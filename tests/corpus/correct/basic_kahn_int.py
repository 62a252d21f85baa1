"""Correct for basic-autograd only (add, mul, relu): integers kept as given, children
in a list, backward order by Kahn's algorithm (count each node's uses, release it
when the count reaches zero).
"""


class Value:
    def __init__(self, data, inputs=None):
        self.data = data
        self.grad = 0
        self.inputs = inputs or []
        self.push = lambda: None

    def __add__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        out = Value(self.data + other.data, [self, other])

        def push():
            self.grad += out.grad
            other.grad += out.grad

        out.push = push
        return out

    def __mul__(self, other):
        if not isinstance(other, Value):
            other = Value(other)
        out = Value(self.data * other.data, [self, other])

        def push():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out.push = push
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0, [self])

        def push():
            self.grad += out.grad if self.data > 0 else 0

        out.push = push
        return out

    def backward(self):
        pending = {}
        todo = [self]
        known = {id(self)}
        while todo:
            node = todo.pop()
            for x in node.inputs:
                pending[id(x)] = pending.get(id(x), 0) + 1
                if id(x) not in known:
                    known.add(id(x))
                    todo.append(x)
        self.grad = 1
        ready = [self]
        while ready:
            node = ready.pop()
            node.push()
            for x in node.inputs:
                pending[id(x)] -= 1
                if pending[id(x)] == 0:
                    ready.append(x)
