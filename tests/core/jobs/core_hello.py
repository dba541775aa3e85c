"""Hello: every peer greets every peer; each writes the greetings it received, sorted."""

from hama_yarn import BSP


class Hello(BSP):
    def bsp(self, peer):
        me = peer.get_peer_index()
        for j, name in enumerate(peer.get_all_peer_names()):
            peer.send(name, f"hi {j} from {me}")
        peer.sync()
        for msg in sorted(peer.messages()):
            peer.write(msg, None)
        peer.sync()
        peer.write("supersteps", peer.get_superstep_count())
