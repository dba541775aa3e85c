"""HelloWorldBSP-like child: supersteps of all-to-all greetings; each received message is written as the key."""

from hama_yarn.streaming import BSP, run


class Hello(BSP):
    def bsp(self, peer):
        steps = int(peer.config.get("hello.supersteps", "3"))
        for _ in range(steps):
            for name in peer.getAllPeerNames():
                peer.send(name, "Hello from " + peer.getPeerName() + " in superstep " + str(peer.getSuperstepCount()))
            peer.sync()
            msg = peer.getCurrentMessage()
            while msg is not False:
                peer.write(msg, "")
                msg = peer.getCurrentMessage()


if __name__ == "__main__":
    run(Hello())
